/* SPDX-License-Identifier: MIT */
/*
 * The part of a program's state machine that answers requests by name: stop, restart and
 * start on request, and the program's own ladder while it stops. Called from program_step()
 * alone (program.h); no clock, no system call, no log.
 */
#ifndef PID1_PROGREQ_H
#define PID1_PROGREQ_H

#include <stdint.h>

#include "program.h"

/* PROGRAM_EV_HALT, _RESTART or _RUN at time now: returns PROGRAM_ACT_* bits. */
unsigned int progreq_step(struct program *p, enum program_event ev, int64_t now);

/* Its ladder's deadline passed while it stops on request: the next step, or outlived. */
unsigned int progreq_tick(struct program *p, int64_t now);

/* It ended while it stopped on request: STOPPED, or spawned again for a restart. */
unsigned int progreq_ended(struct program *p);

/* The shutdown takes over a program stopping on request: its end is then final. */
void progreq_cancel(struct program *p);

#endif
