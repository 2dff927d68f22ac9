/* SPDX-License-Identifier: MIT */
/*
 * The actions of program_step() that touch only the program: log it ready, signal it through
 * its own ladder (hung, or stopped on request), log a stop on request.
 */
#ifndef PID1_PROGACT_H
#define PID1_PROGACT_H

#include "supervisor/program.h"
#include "supervisor/state.h"

/* Carries out PROGRAM_ACT_UP, _HUNG, _KILL and _STOPPED from actions for p. */
void progact_run(const struct pid1_state *st, struct program *p, unsigned int actions);

#endif
