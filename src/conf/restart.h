/* SPDX-License-Identifier: MIT */
/*
 * The restart policy: whether a program that ended starts again, after what exponential
 * back-off, and when to give up because it restarts too often within a window. Pure
 * arithmetic on a program's restart history and a time passed in: no clock, no log.
 */
#ifndef PID1_RESTART_H
#define PID1_RESTART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum restart_policy {
	RESTART_NO,	    /* the program's end is final (default) */
	RESTART_ON_FAILURE, /* restart after a non-zero exit or a death by signal */
	RESTART_ALWAYS,	    /* restart after any exit */
};

/* The most restarts a window may count: bounds the history kept per program. */
#define RESTART_LIMIT_MAX 1000

struct restart_conf {
	enum restart_policy policy;
	int64_t delay_ms;     /* first back-off */
	int64_t max_delay_ms; /* back-off doubles up to this */
	int limit;	      /* restarts allowed within window before giving up */
	int64_t window_ms;
};

/*
 * The restarts a program has had: when each of the last size was due, a ring of the
 * policy's limit (more never count). times is NULL, size 0, for a program that never
 * restarts by itself.
 */
struct restart_history {
	size_t nrestarts;
	size_t size;
	int64_t *times;
};

/* Gives h room for rc's limit when rc restarts at all. Returns 0, or -1 out of memory. */
int restart_history_init(struct restart_history *h, const struct restart_conf *rc);
void restart_history_free(struct restart_history *h);

/* Whether the policy asks for a restart after an end with this wait status. */
bool restart_wanted(const struct restart_conf *rc, int wstatus);

/*
 * Books a restart at now: returns its back-off in ms and records it in h (made by
 * restart_history_init() for rc), or returns -1
 * (nothing recorded) when limit restarts already fall within the window ending at now.
 * *recent is set to the restarts counted in the window before this one.
 */
int64_t restart_book(const struct restart_conf *rc, struct restart_history *h, int64_t now,
		     size_t *recent);

#endif
