/* SPDX-License-Identifier: MIT */
/*
 * The control protocol, shared by pid1 (control/server.c) and `pid1 ctl` (control/client.c,
 * in the same binary, also run as pid1ctl; man pid1.8, CONTROL). One request
 * line, "pid1/1 COMMAND [ARG...]\n", at most CTL_REQUEST_MAX bytes; the reply is a first line
 * "ok[ TEXT]" or "error TEXT", then, for status, one tab-separated line per program; pid1
 * closes the connection after it. Words are plain printable bytes, no quoting.
 */
#ifndef PID1_CTLPROTO_H
#define PID1_CTLPROTO_H

#include <stdbool.h>
#include <stddef.h>

#define CTL_PROTOCOL	"pid1/1"
#define CTL_SOCKET_NAME "control"
#define CTL_REQUEST_MAX 256   /* bytes of a request, its newline included */
#define CTL_REPLY_MAX	16384 /* bytes of a reply: every program's status line fits */
#define CTL_MAX_WORDS	4     /* a command and its arguments */

/* The fields of a status line, in order. */
enum ctl_field {
	CTL_NAME,
	CTL_STATE,
	CTL_PID,       /* "-" when not running */
	CTL_UPTIME_MS, /* since its last start while running, else "-" */
	CTL_RESTARTS,  /* restarts its policy booked */
	CTL_READY,     /* "yes" or "no" */
	CTL_LAST_EXIT, /* "exited with status N", "killed by SIGX", or "-" */
	CTL_NFIELDS,
};

struct ctl_request {
	char *words[CTL_MAX_WORDS]; /* into the line given to ctlproto_parse */
	size_t nwords;
};

/*
 * Splits line (len bytes, its newline excluded, changed in place) into req. Returns NULL, or
 * why the line is not a request of this protocol.
 */
const char *ctlproto_parse(char *line, size_t len, struct ctl_request *req);

/* Splits a status line (changed in place) into its CTL_NFIELDS fields. Returns 0 or -1. */
int ctlproto_split(char *line, char *fields[CTL_NFIELDS]);

/* Whether argv asks for the client: `pid1 ctl ...`, or a program named pid1ctl. */
bool ctlclient_wanted(int argc, char **argv);

/*
 * Runs the client, which never waits longer than its timeout and says so when no pid1
 * listens. Returns the exit code: 0 done (ready), 1 error (not ready), 2 usage.
 */
int ctlclient_main(int argc, char **argv);

#endif
