/* SPDX-License-Identifier: MIT */
/*
 * Reaping: every zombie that comes to pid1, the programs' statuses among them.
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
 * Reaps every exited child without blocking, hands the programs' ends to the supervisor
 * (supervise_reaped), and sets st->children_left. Returns how many were reaped.
 */
size_t reaper_collect(struct pid1_state *st);

/* "exited with status 3" or "killed by SIGKILL" for a wait status, for the log. */
const char *reaper_describe(int status, char *buf, size_t len);

#endif
