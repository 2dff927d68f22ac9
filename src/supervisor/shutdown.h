/* SPDX-License-Identifier: MIT */
/*
 * The shutdown ladder: an optional delay, then steps of (signal, grace) sent to the
 * configured scope, each ending early as soon as nothing is left. Deadlines come from
 * CLOCK_MONOTONIC and become the poll timeout; nothing sleeps.
 */
#ifndef PID1_SHUTDOWN_H
#define PID1_SHUTDOWN_H

#include <stdint.h>

#include "supervisor/state.h"

/*
 * Starts the ladder (why is logged), or, when it already runs, applies the repeat policy:
 * skip to the next step or straight to SIGKILL. signo is the signal that asked for the
 * shutdown (0 for none): with `enter = received` the ladder starts at that signal's step.
 */
void shutdown_begin(struct pid1_state *st, const char *why, int signo);

/* Moves the ladder on: next step when a deadline passed, done when nothing is left. */
void shutdown_tick(struct pid1_state *st);

/* When the ladder next needs a tick (CLOCK_MONOTONIC ms); -1 when never. */
int64_t shutdown_deadline(const struct pid1_state *st);

#endif
