/* SPDX-License-Identifier: MIT */
/*
 * The restart policy: when the main child exits, start it again after an exponential
 * back-off, and give up after too many restarts within a window.
 */
#ifndef PID1_RESTART_H
#define PID1_RESTART_H

#include <stdbool.h>
#include <stdint.h>

enum restart_policy {
	RESTART_NO,	    /* the child's exit ends pid1 (default) */
	RESTART_ON_FAILURE, /* restart after a non-zero exit or a death by signal */
	RESTART_ALWAYS,	    /* restart after any exit */
};

/* The most restarts a window may count: bounds the history kept in the state. */
#define RESTART_LIMIT_MAX 1000

struct restart_conf {
	enum restart_policy policy;
	int64_t delay_ms;     /* first back-off */
	int64_t max_delay_ms; /* back-off doubles up to this */
	int limit;	      /* restarts allowed within window before giving up */
	int64_t window_ms;
};

struct pid1_state;

/*
 * Called when the main child has exited and no shutdown runs. Returns true when a restart
 * was scheduled (the loop waits for restart_timeout), false when pid1 should go on to exit.
 */
bool restart_schedule(struct pid1_state *st);

/* Drops a scheduled restart (a shutdown signal during the back-off). True if one was pending. */
bool restart_cancel(struct pid1_state *st);

/* Milliseconds until the scheduled restart, 0 when due, -1 when none is scheduled. */
int restart_timeout(const struct pid1_state *st);

/* Policy from its name (no, on-failure, always); -1 when unknown. */
int restart_policy_parse(const char *name);

/* Name of a policy as the config file spells it. */
const char *restart_policy_name(enum restart_policy policy);

#endif
