// SPDX-License-Identifier: MIT
/*
 * on-child-exit = wait. The container is over once its essential program has ended, but a
 * program that daemonized left its work to processes pid1 adopts (as PID 1, every orphan of
 * the namespace; otherwise those of its descendants, through the subreaper flag). Waiting for
 * them needs no timer: each one that ends is a SIGCHLD, and the reaper says when none is left.
 * Processes that are not pid1's to reap (entered from outside, e.g. docker exec) are not
 * waited for.
 */
#include "config.h"

#include "output/log.h"
#include "supervisor/waitall.h"

void waitall_begin(struct pid1_state *st, const struct program *p, const char *why)
{
	if (st->waiting)
		return;
	st->waiting = true;
	if (st->children_left)
		log_info("%s %s: waiting for the processes it left (on-child-exit = wait)", p->name,
			 why);
}

bool waitall_done(const struct pid1_state *st)
{
	return st->waiting && st->phase == PHASE_RUN && !st->children_left;
}
