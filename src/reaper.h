/* SPDX-License-Identifier: MIT */
/*
 * Reaping: every zombie that comes to pid1, the main child's status among them.
 */
#ifndef PID1_REAPER_H
#define PID1_REAPER_H

#include <stdbool.h>
#include <stddef.h>

#include "state.h"

/*
 * Makes pid1 a child subreaper when it is not PID 1, or always when force is set, so orphans
 * still come to it. Sets st->is_pid1 and st->subreaper. Returns 0, or -1 (errno set).
 */
int reaper_init(struct pid1_state *st, bool force);

/*
 * Reaps every exited child without blocking, records the main child's status, and sets
 * st->children_left. Returns how many were reaped.
 */
size_t reaper_collect(struct pid1_state *st);

#endif
