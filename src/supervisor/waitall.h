/* SPDX-License-Identifier: MIT */
/*
 * on-child-exit = wait: when an essential program ends, pid1 keeps going until every process
 * in its care has ended, for programs that daemonize (their first process exits 0 while the
 * daemon lives on). A shutdown signal still runs the ladder.
 */
#ifndef PID1_WAITALL_H
#define PID1_WAITALL_H

#include <stdbool.h>

#include "supervisor/state.h"

/* p, essential, ended for good (why says how): from now on pid1 waits for what is left. */
void waitall_begin(struct pid1_state *st, const struct program *p, const char *why);

/* Whether pid1 waited and nothing is left in its care: it may end. Call after each reap. */
bool waitall_done(const struct pid1_state *st);

#endif
