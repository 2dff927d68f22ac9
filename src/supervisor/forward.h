/* SPDX-License-Identifier: MIT */
/*
 * What pid1 does with an incoming signal: forward, rewrite, ignore or shut down.
 */
#ifndef PID1_FORWARD_H
#define PID1_FORWARD_H

#include "supervisor/state.h"

/* Acts on one signal received by pid1 (never SIGCHLD: that is the reaper's). */
void forward_signal(struct pid1_state *st, int signo);

#endif
