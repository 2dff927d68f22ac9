/* SPDX-License-Identifier: MIT */
/*
 * Stop hooks: oneshots with `when = stop`, run at shutdown before the ladder reaches any
 * program, in their own dependency order, each bounded by its timeout.
 */
#ifndef PID1_HOOKS_H
#define PID1_HOOKS_H

#include <stdbool.h>

#include "supervisor/state.h"

/* Whether the config has stop hooks that have not run yet. */
bool hooks_pending(const struct pid1_state *st);

/* Enters PHASE_HOOKS for the shutdown why (signo as for shutdown_begin), logged. */
void hooks_begin(struct pid1_state *st, const char *why, int signo);

/* A waiting stop hook whose after list has ended, or NULL. */
struct program *hooks_next(const struct pid1_state *st);

/* Whether a stop hook is still waiting or running (one cut at its timeout is not). */
bool hooks_left(const struct pid1_state *st);

/*
 * A repeated shutdown signal (why) cuts the stop hooks short: those not started never
 * will, those that run are left to the ladder.
 */
void hooks_cut(struct pid1_state *st, const char *why);

/* Logs the end of stop hook p: a failure at warning, with its exit code. */
void hooks_ended(const struct program *p);

/* Stop hook p outlived its timeout: logged and killed. */
void hooks_timed_out(const struct program *p);

#endif
