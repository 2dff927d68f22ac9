/* SPDX-License-Identifier: MIT */
/*
 * The supervisor: every event enters it through supervise(), which feeds the programs' state
 * machines (state/program.c) and the container's (supervisor/phase.c) and carries out
 * what they return: spawn, signal, log, answer. Readiness on its side (supervisor/readiness.c):
 * what programs said goes to their state machines through supervise(); pid1's own (every
 * essential program ready) goes to the ready file and to systemd.
 */
#ifndef PID1_SUPERVISE_H
#define PID1_SUPERVISE_H

#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/loop.h"
#include "state/state.h"

enum supervise_kind {
	SUPERVISE_START,    /* pid1 starts: what waits for nothing starts */
	SUPERVISE_SIGNAL,   /* pid1 received signo (never SIGCHLD): as its rule says */
	SUPERVISE_REAP,	    /* children ended or stopped (SIGCHLD) */
	SUPERVISE_TICK,	    /* after each wake-up: execs seen, time passed */
	SUPERVISE_PROGRAM,  /* program p said something (ev: READY, WATCHDOG, STOPPING, TRIGGER) */
	SUPERVISE_REQUEST,  /* ev (HALT, RESTART or RUN) asked for p by who; answer in msg */
	SUPERVISE_KILL,	    /* signo asked for p by who; answer in msg */
	SUPERVISE_SHUTDOWN, /* shut down, for the reason who */
};

struct supervise_event {
	enum supervise_kind kind;
	int signo;
	struct program *p;
	enum program_event ev;
	const char *who;
	char *msg; /* len bytes */
	size_t len;
};

/* Feeds one event. Returns 0, or -1 when a request is refused (msg says why). */
int supervise(struct pid1_state *st, const struct supervise_event *ev);

/* The one deadline the loop waits for: programs', the ladder's, readiness's; -1 for none. */
int64_t supervise_deadline(const struct pid1_state *st);

/* The program called name, or NULL. Stop hooks are not found: they run at shutdown only. */
struct program *supervise_find(struct pid1_state *st, const char *name);

/*
 * The table of programs (state/roster.c), built once at start-up from the configuration:
 * the command is the essential longrun named `main`, then each program section in file order,
 * its keys laid over the top-level defaults. take_tty: main takes pid1's terminal. Returns 0,
 * or -1 after printing one line (a user or group that does not exist, out of memory); pid1
 * then exits 2 with nothing started.
 */
int roster_build(struct pid1_state *st, const struct pid1_conf *conf,
		 const struct signal_setup *signals, bool take_tty);
void roster_free(struct pid1_state *st);

/* After loop_init(): pid1's own notify client, and the socket for ready = notify. Returns 0/-1. */
int readiness_open(struct pid1_state *st);

/*
 * Whether pid1 is ready: it runs and every essential program is ready (every program, when
 * none is essential); summary says so in one line ("1 of 2 programs ready; not ready: web").
 */
bool readiness_ready(const struct pid1_state *st, char *summary, size_t len);

/* After each wake-up: feeds the programs' notices in, then updates pid1's own readiness. */
void readiness_update(struct pid1_state *st);

/* At exit: the ready file removed, every socket and pipe closed. */
void readiness_close(struct pid1_state *st);

#endif
