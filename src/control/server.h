/* SPDX-License-Identifier: MIT */
/*
 * The control socket: a unix stream socket in the runtime directory (sys/rundir.h) on which
 * `pid1 ctl` asks for status and acts on programs. Peers are checked with SO_PEERCRED (root,
 * pid1's own uid, or the control-group); at most CONTROL_MAX_CLIENTS at once; every read and
 * write is non-blocking and bounded in size and time, so no client can stall the loop.
 */
#ifndef PID1_CONTROL_H
#define PID1_CONTROL_H

#include <sys/types.h>
#include <stdbool.h>
#include <stdint.h>

#include "supervisor/state.h"
#include "sys/rundir.h"

#define CONTROL_MAX_CLIENTS 8
#define CONTROL_TIMEOUT_MS  5000 /* to send a request, and to read a reply */

/* The server, owned by main() and the loop sources' context. */
struct control {
	struct pid1_state *st;
	struct rundir dir;
	struct rundir_sock sock;
	bool group; /* a control-group is configured: its gid may connect too */
	gid_t gid;
	bool careful;	      /* the kernel cannot refuse fds: peek before reading */
	int64_t paused_until; /* the listener rests until then (out of fds); -1 when not */
	struct ctl_client *clients[CONTROL_MAX_CLIENTS]; /* allocated while connected */
};

/*
 * Opens the runtime directory and listens on its control socket, as st->conf says
 * (control = auto: only as PID 1 of a namespace). Returns 0 when listening or off, -1 after
 * logging why when control = yes or runtime-dir was given and it cannot be: pid1 then exits
 * 2 before starting anything. When another pid1 listens there, warns and runs without.
 */
int control_open(struct control *ctl, struct pid1_state *st);

/* The earliest client deadline, or -1 when none. */
int64_t control_deadline(const struct control *ctl);

/* Drops clients past their deadline and answers those whose program got where it went. */
void control_tick(struct control *ctl);

/* Closes every client, the socket (its file removed) and the directory. */
void control_close(struct control *ctl);

#endif
