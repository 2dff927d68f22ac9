/* SPDX-License-Identifier: MIT */
/*
 * Reaping: every zombie that comes to pid1, the programs' statuses among them.
 */
#ifndef PID1_REAPER_H
#define PID1_REAPER_H

#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "supervisor/state.h"

/*
 * Makes pid1 a child subreaper when it is not PID 1, or always when force is set, so orphans
 * still come to it. Sets st->is_pid1 and st->subreaper. Returns 0, or -1 (errno set).
 */
int reaper_init(struct pid1_state *st, bool force);

/*
 * The next child that ended (reaped) or stopped, without waiting: true with *pid and
 * *status set. False once none is left to collect now; st->children_left then says whether
 * any child remains. Signals coalesce, so a caller collects until false.
 */
bool reaper_next(struct pid1_state *st, pid_t *pid, int *status);

/* Logs an orphan reaped (-w: at warning level). */
void reaper_orphan(const struct pid1_state *st, pid_t pid, int status);

#endif
