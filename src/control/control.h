/* SPDX-License-Identifier: MIT */
/*
 * The control socket, in the runtime directory (sys/rundir.h), and as PID 1 also the abstract
 * socket of its PID namespace, which needs no writable directory (a read-only root), on which
 * `pid1 ctl` asks for status and acts on programs: its protocol (man pid1.8, CONTROL), pid1's
 * server (control/server.c) and the client (control/client.c, in the same binary, also run as
 * pid1ctl). One request line, "pid1/1 COMMAND [ARG...]\n", at most CTL_REQUEST_MAX bytes; the
 * reply is a first line "ok[ TEXT]", "error TEXT", or "pending TEXT" (a start, stop or restart
 * carried out whose program did not get there within the request's wait), then, for status,
 * one tab-separated line per program; pid1 closes the connection after it. Words are plain
 * printable bytes, no quoting. Peers are checked with SO_PEERCRED (root, pid1's own uid, or the
 * control-group; on the abstract socket, only processes in pid1's PID namespace, where the
 * kernel shows their pid; and the client trusts only a listener that is PID 1 of its own
 * namespace there); at most CONTROL_MAX_CLIENTS at once; every read and write is non-blocking
 * and bounded in size and time, so no client can stall the loop.
 */
#ifndef PID1_CONTROL_H
#define PID1_CONTROL_H

#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sys/rundir.h"

#define CTL_PROTOCOL	  "pid1/1"
#define CTL_SOCKET_NAME	  "control"
#define CTL_ABSTRACT_STEM "pid1-control" /* the abstract socket's name, before -N */
#define CTL_REQUEST_MAX	  256		 /* bytes of a request, its newline included */
#define CTL_REPLY_MAX	  24576		 /* bytes of a reply: every program's status line fits */
#define CTL_MAX_WORDS	  4		 /* a command and its arguments */

/*
 * start, stop and restart NAME [WAIT]: the answer waits for the program to get there (ready,
 * or stopped) for WAIT at most, a duration ("5s", "1500ms"); this long without one, and never
 * longer than CTL_WAIT_MAX_MS, so that no request holds a client's place for ever.
 */
#define CTL_WAIT_DEFAULT_MS 30000
#define CTL_WAIT_MAX_MS	    3600000

/* The fields of a status line, in order. */
enum ctl_field {
	CTL_NAME,
	CTL_STATE,
	CTL_PID,       /* "-" when not running */
	CTL_UPTIME_MS, /* since its last start while running, else "-" */
	CTL_RESTARTS,  /* restarts its policy booked */
	CTL_READY,     /* "yes" or "no" */
	CTL_LAST_EXIT, /* "exited with status N", "killed by SIGX", CTL_WAITS_FOR..., or "-" */
	CTL_HEALTH,    /* pid1's checks: "-" none, "starting[: RESULT]", "healthy: RESULT", */
	/* "unhealthy: RESULT (N of M)"; a pid1 before it sends none: "-" */
	CTL_NFIELDS,
};

#define CTL_HEALTH_MAX 96 /* bytes of the health field, its NUL included */

/*
 * A program not started yet has no last end: while it waits for others at start-up, its
 * CTL_LAST_EXIT is this, then their names with ", " between them ("waits for db, migrate"),
 * whole names only, cut so that the status of CONF_MAX_PROGRAMS programs still fits in
 * CTL_REPLY_MAX: those left out are counted (", web (+3 more)"). Older clients show it as it is.
 */
#define CTL_WAITS_FOR  "waits for "
#define CTL_DETAIL_MAX 128 /* bytes of that field, its NUL included */

struct ctl_request {
	char *words[CTL_MAX_WORDS]; /* into the line given to ctlproto_parse */
	size_t nwords;
};

/*
 * Splits line (len bytes, its newline excluded, changed in place) into req. Returns NULL, or
 * why the line is not a request of this protocol.
 */
const char *ctlproto_parse(char *line, size_t len, struct ctl_request *req);

/*
 * Splits a status line (changed in place) into its CTL_NFIELDS fields, or those of a pid1
 * without CTL_HEALTH (then "-"). Returns 0 or -1.
 */
int ctlproto_split(char *line, char *fields[CTL_NFIELDS]);

/* Whether argv asks for the client: `pid1 ctl ...`, or a program named pid1ctl. */
bool ctlclient_wanted(int argc, char **argv);

/*
 * Runs the client, which never waits longer than its timeout and says so when no pid1
 * listens. Returns the exit code: 0 done (ready), 1 error (not ready, a program that failed),
 * 2 usage, 3 pending (a program not there yet within the timeout: still starting or stopping).
 */
int ctlclient_main(int argc, char **argv);

#define CONTROL_MAX_CLIENTS 8
#define CONTROL_TIMEOUT_MS  5000 /* to send a request, and to read a reply */

struct pid1_state;

/* The server, owned by main() and the loop sources' context. */
struct control {
	struct pid1_state *st;
	struct rundir dir;
	struct rundir_sock sock;
	int abstract;			/* the abstract socket's fd (PID 1 only), or -1 */
	char name[RUNDIR_ABSTRACT_MAX]; /* its name, CTL_ABSTRACT_STEM-N */
	bool group;			/* a control-group is configured: its gid may connect too */
	gid_t gid;
	bool careful;	      /* the kernel cannot refuse fds: peek before reading */
	int64_t paused_until; /* the listener rests until then (out of fds); -1 when not */
	size_t noutsiders;    /* peers refused on the abstract socket as outside the namespace */
	struct ctl_client *clients[CONTROL_MAX_CLIENTS]; /* allocated while connected */
};

/*
 * Listens on the abstract socket (as PID 1) and on the runtime directory's control socket, as
 * st->conf says (control = auto: only as PID 1 of a namespace). Returns 0 when listening or
 * off, -1 after logging why when runtime-dir was given and its socket cannot be made, or
 * control = yes and neither can: pid1 then exits 2 before starting anything. Otherwise a
 * directory refused is logged, as a warning when PID1_RUNTIME_DIR named it or no socket is
 * left, and pid1 runs on; another pid1's socket is never taken over.
 */
int control_open(struct control *ctl, struct pid1_state *st);

/* The earliest client deadline, or -1 when none. */
int64_t control_deadline(const struct control *ctl);

/* Drops clients past their deadline and answers those whose program got where it went. */
void control_tick(struct control *ctl);

/* Closes every client, the socket (its file removed) and the directory. */
void control_close(struct control *ctl);

#endif
