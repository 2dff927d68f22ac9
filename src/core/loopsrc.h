/* SPDX-License-Identifier: MIT */
/*
 * The table behind loop_add(), loop_set_events() and loop_remove() (declared in core/loop.h), as
 * loop_wait() sees it: the pollfds to wait on, and the handlers to run for what poll found.
 */
#ifndef PID1_LOOPSRC_H
#define PID1_LOOPSRC_H

#include <poll.h>
#include <stddef.h>

/* Fills pfds (room for LOOP_MAX_SOURCES) with the sources; returns how many it filled. */
size_t loopsrc_fill(struct pollfd *pfds);

/* Runs the handler of each source in pfds[0..n) that poll found ready. */
void loopsrc_run(const struct pollfd *pfds, size_t n);

#endif
