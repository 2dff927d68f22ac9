/* SPDX-License-Identifier: MIT */
/*
 * The container's phase (run, stop hooks, the shutdown ladder, done) as one state machine.
 * phase_step() is the only writer of st->phase and st->ladder: an event and the time go in, a
 * list of actions comes out; no clock, no system call, no log, so unit tests drive it with a
 * clock of their own. phase_act() carries the list out: the ladder's signals and the log.
 */
#ifndef PID1_PHASE_H
#define PID1_PHASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "state/state.h"

enum phase_event {
	PHASE_EV_START,	    /* pid1 starts: programs start, run and restart */
	PHASE_EV_SHUTDOWN,  /* a shutdown is asked (why, signo): it begins, or is repeated */
	PHASE_EV_ESSENTIAL, /* essential program p ended for good (why): on-child-exit decides */
	PHASE_EV_FAILED,    /* start-up cannot go on because of p (why) */
	PHASE_EV_REAPED,    /* children were reaped: on-child-exit = wait may be over */
	PHASE_EV_HOOKS,	    /* stop hooks started or ended: the ladder may begin */
	PHASE_EV_TICK,	    /* time passed or processes ended: the ladder may move on */
};

struct phase_input {
	enum phase_event ev;
	int64_t now; /* CLOCK_MONOTONIC ms */
	const char *why;
	int signo; /* the signal that asked for the shutdown, 0 for none */
	struct program *p;
	bool empty; /* nothing is left in the shutdown's scope; asked only if phase_needs_empty() */
};

enum phase_action_kind {
	PHASE_ACT_CANCEL,    /* p's booked restart was dropped: nothing restarts any more */
	PHASE_ACT_WAIT,	     /* on-child-exit = wait: p ended (why), what it left is waited for */
	PHASE_ACT_HOOKS,     /* the shutdown (why) runs count stop hooks first */
	PHASE_ACT_CUT,	     /* a repeated shutdown (why) cut the stop hooks short */
	PHASE_ACT_BEGIN,     /* the ladder begins (why) at step */
	PHASE_ACT_DELAY,     /* it waits ms before the first step */
	PHASE_ACT_REPEAT,    /* a repeated shutdown (why): the next step, or SIGKILL (signo) */
	PHASE_ACT_END_STEP,  /* step ended (why says how) after ms; warn: it timed out */
	PHASE_ACT_EXHAUSTED, /* stage (-1: the whole scope) ran out of steps */
	PHASE_ACT_SEND,	     /* signo to stage as step, grace ms; first: stop-signals instead */
	PHASE_ACT_FINISH,    /* the ladder is over (why) */
};

struct phase_action {
	enum phase_action_kind kind;
	const char *why;
	const struct program *p;
	int step, signo, stage;
	bool first, warn;
	int64_t ms;
	size_t count;
};

/* A shutdown's actions: one cancel per program at most, a few for the phase and the ladder. */
struct phase_actions {
	struct phase_action a[CONF_MAX_PROGRAMS + 16];
	size_t n;
	char line[128]; /* a why made up here */
};

/* Whether phase_step() will look at in->empty: what target_empty() costs is paid only then. */
bool phase_needs_empty(const struct pid1_state *st, const struct phase_input *in);

/* Feeds one event; out receives the actions, in order. */
void phase_step(struct pid1_state *st, const struct phase_input *in, struct phase_actions *out);

/* Carries out the actions: signals through supervisor/target.c, lines to the log. */
void phase_act(const struct pid1_state *st, const struct phase_actions *acts);

/* A waiting stop hook whose after list has ended, or NULL. */
struct program *phase_next_hook(const struct pid1_state *st);

/* When the ladder next needs a TICK, at now; -1 when never. */
int64_t phase_deadline(const struct pid1_state *st, int64_t now);

/*
 * For `pid1 -n`, so that docker stop's timeout or a Kubernetes terminationGracePeriodSeconds
 * can be set above it: writes, as comments, the worst-case stop time (the delay, hooks_ms for
 * the stop hooks, one full ladder per stage), and the same from SIGTERM when it enters the
 * ladder at a later step. levels are the program sections' levels (order_levels()).
 */
void phase_print_stoptime(const struct pid1_conf *conf, const int *levels, int64_t hooks_ms,
			  FILE *out);

/* pid1's exit code once the phase is DONE, exit-code remaps applied, logged with its reason. */
int phase_exit_code(const struct pid1_state *st);

#endif
