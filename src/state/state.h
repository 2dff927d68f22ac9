/* SPDX-License-Identifier: MIT */
/*
 * The run-time state of pid1, owned by pid1.c and passed by pointer to the modules that act
 * on it: the table of programs (state/program.c, supervisor/supervise.c) and the
 * supervisor-wide phase with its shutdown ladder (supervisor/phase.c, its only writer). Nothing
 * here is touched from a signal handler.
 */
#ifndef PID1_STATE_H
#define PID1_STATE_H

#include <sys/types.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf/conf.h"
#include "core/loop.h"
#include "state/program.h"

struct inbox;
struct manager;
struct notifysocket;

/* The supervisor as a whole. */
enum phase {
	PHASE_RUN,	/* programs start, run and restart */
	PHASE_HOOKS,	/* the stop hooks run: nothing else starts or restarts */
	PHASE_STOPPING, /* the ladder runs: nothing starts or restarts */
	PHASE_DONE,	/* leave the loop and exit */
};

/* The shutdown ladder, see supervisor/phase.c. */
struct ladder {
	int stage;	     /* the level of programs being stopped; -1 for the whole scope */
	int step;	     /* -1 during the delay, else an index into conf->shutdown.steps */
	int entry_step;	     /* the step each stage starts at (after the delay) */
	int64_t deadline_ms; /* when the current step's grace ends; -1 for none */
	int64_t step_started_ms;
};

/*
 * Each program's exec-error pipe while open, and what it said, indexed like the programs
 * (supervisor/supervise.c).
 */
struct exec_watch {
	bool open;
	int fd;
	enum child_exec seen; /* PENDING until the loop handler read an end or a record */
	struct child_failure failure;
};

struct spawn_watch {
	struct exec_watch execs[CONF_MAX_PROGRAMS + 1];
	size_t ndone; /* successful execs seen by the handler, not yet taken */
	bool warned;  /* a start went unwatched for want of fds: said once */
};

/* What systemd was last told (supervisor/readiness.c). */
struct readiness_told {
	bool ready;	 /* READY=1 was sent */
	bool last_ready; /* pid1 was ready at the last update */
	bool stopping;
	char status[256];
};

struct pid1_state {
	const struct pid1_conf *conf;
	struct loop *loop; /* main()'s: the fds pid1 polls */
	bool is_pid1;	   /* PID 1 of a namespace, so kill(-1) reaches everything */
	bool subreaper;	   /* orphans of descendants come to us through the subreaper flag */

	struct program *programs; /* main first when there is a command; allocated at start-up */
	size_t nprograms;
	int max_level; /* the highest program level */

	bool children_left;	  /* at the last reap some process was still in our care */
	bool released;		  /* the starting directory and inherited fds were let go */
	char start_dir[PATH_MAX]; /* its path then, the workdir of programs without one */
	bool waiting; /* on-child-exit = wait: the essential program ended, pid1 waits */

	enum phase phase;
	struct ladder ladder;
	char hooks_why[64]; /* why the shutdown began, for the ladder after the stop hooks */
	int hooks_signo;
	struct program *decider; /* the program whose end decides pid1's exit code, or NULL */
	struct outputs outputs;	 /* the programs' labelled output */
	struct spawn_watch spawns;
	struct readiness_told told;

	/* readiness/: what programs said, and the sd_notify socket; NULL until needed */
	struct inbox *inbox;
	struct notifysocket *notify;
	struct manager *manager; /* main()'s: pid1's own readiness told outward */
};

#endif
