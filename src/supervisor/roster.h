/* SPDX-License-Identifier: MIT */
/*
 * The table of programs, built once at start-up from the configuration: the command (from
 * the command line or the file's `command`) is the essential longrun named `main`, then
 * each program section in file order, its keys laid over the top-level defaults.
 */
#ifndef PID1_ROSTER_H
#define PID1_ROSTER_H

#include <stdbool.h>

#include "core/loop.h"
#include "supervisor/state.h"

/*
 * Fills st->programs and st->nprograms from conf. take_tty: main takes pid1's terminal.
 * Returns 0, or -1 after printing one line (a user or group that does not exist, out of
 * memory); pid1 then exits 2 with nothing started.
 */
int roster_build(struct pid1_state *st, const struct pid1_conf *conf,
		 const struct signal_setup *signals, bool take_tty);

/* Frees the table. */
void roster_free(struct pid1_state *st);

#endif
