/* SPDX-License-Identifier: MIT */
/*
 * The control commands, run against pid1's state: status, ready, start, stop, restart,
 * signal, shutdown, log-level, version. control/server.c does the socket; this file the meaning.
 */
#ifndef PID1_CTLCMD_H
#define PID1_CTLCMD_H

#include <stdbool.h>
#include <stddef.h>

#include "control/protocol.h"
#include "supervisor/state.h"

/* A reply being written: text of len bytes in buf (cap CTL_REPLY_MAX). */
struct ctl_reply {
	char *buf;
	size_t len;
};

/* A stop, start or restart whose reply waits until the program gets there. */
struct ctl_wait {
	struct program *p; /* NULL: nothing to wait for */
	enum program_event ev;
};

/*
 * Runs req for who (logged with what it asks) and writes the reply, or sets *wait when the
 * reply must wait for a program: ctlcmd_poll() writes it then.
 */
void ctlcmd_run(struct pid1_state *st, struct ctl_request *req, const char *who,
		struct ctl_reply *r, struct ctl_wait *wait);

/* Whether the program waited for got there (or will not): the reply is written then. */
bool ctlcmd_poll(const struct pid1_state *st, struct ctl_wait *wait, struct ctl_reply *r);

/* Appends a formatted line (its newline added) to r, cut at CTL_REPLY_MAX. */
void ctlcmd_put(struct ctl_reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
