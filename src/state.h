/* SPDX-License-Identifier: MIT */
/*
 * The run-time state of pid1, owned by pid1.c and passed by pointer to the modules that act
 * on it. Nothing here is touched from a signal handler.
 */
#ifndef PID1_STATE_H
#define PID1_STATE_H

#include <sys/types.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "restart.h"

struct pid1_state {
	const struct pid1_conf *conf;
	bool is_pid1;	/* PID 1 of a namespace, so kill(-1) reaches everything */
	bool subreaper; /* orphans of descendants come to us through the subreaper flag */
	bool pause;	/* no child: sleep and reap until a shutdown signal */

	pid_t child;	    /* the main child; 0 when there is none */
	pid_t child_pgid;   /* the child's own process group, or 0 when it shares ours */
	bool child_exited;  /* reaped: never signal child again */
	int child_status;   /* its wait status once child_exited */
	bool child_stopped; /* stopped by the terminal's Ctrl-Z since the last reap */
	int64_t child_started_ms;

	bool children_left; /* at the last reap some process was still in our care */

	/* The shutdown ladder, see shutdown.c. */
	bool shutting_down;
	int step;	     /* -1 during the delay, else an index into conf->shutdown.steps */
	int entry_step;	     /* the step the ladder started (or starts after the delay) at */
	int64_t deadline_ms; /* when the current step's grace ends; -1 for none */
	int64_t step_started_ms;

	/* Restarts, see restart.c. */
	int64_t restart_at_ms; /* when the child starts again; -1 for none */
	size_t nrestarts;      /* restarts so far; the last ones' times are below */
	int64_t restart_times[RESTART_LIMIT_MAX];

	bool done; /* leave the loop and exit with exit_code */
	int exit_code;
};

#endif
