/* SPDX-License-Identifier: MIT */
/*
 * The part of a program's state machine that answers requests by name: stop, restart and
 * start on request. A stop runs the program's own ladder, the one a hung program gets
 * (KILLING: supervisor/program.c steps it); here is what comes before and after. Called from
 * program_step() alone (supervisor/program.h); no clock, no system call, no log.
 */
#ifndef PID1_PROGREQ_H
#define PID1_PROGREQ_H

#include <stdint.h>

#include "supervisor/program.h"

/* PROGRAM_EV_HALT, _RESTART or _RUN at time now: returns PROGRAM_ACT_* bits. */
unsigned int progreq_step(struct program *p, enum program_event ev, int64_t now);

/* It ended while KILLING on request: STOPPED, or starting again for a restart. */
unsigned int progreq_ended(struct program *p);

#endif
