/* SPDX-License-Identifier: MIT */
/*
 * The inbox: what programs told pid1 about themselves since the supervisor last looked
 * (readiness, signs of life, a status line), one notice per program, indexed like the table
 * of programs. Two channels fill it from their loop handlers: readiness/notifysocket.c
 * (sd_notify), and the ready pipes here (ready = fd:N, s6's notification fd: a program that
 * cannot speak sd_notify writes a newline to fd N when it is ready, and again and again while
 * it is alive). supervisor/readiness.c takes the notices after the wake-up and feeds them to
 * the state machines.
 */
#ifndef PID1_INBOX_H
#define PID1_INBOX_H

#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state/state.h"

/* The longest STATUS= kept, escaped; longer ones are cut. */
#define NOTICE_STATUS_MAX 128

struct notice {
	int64_t extend_ms;   /* EXTEND_TIMEOUT_USEC=, else -1 */
	int64_t watchdog_ms; /* WATCHDOG_USEC=, else -1 */
	pid_t pid;	     /* the program's process it came from: a later start ignores it */
	pid_t mainpid;	     /* MAINPID=, accepted, else 0 */
	bool pending;	     /* something here is set */
	bool ready;	     /* READY=1, or a newline on its ready fd */
	bool alive;	     /* WATCHDOG=1, or a newline on its ready fd */
	bool stopping;	     /* STOPPING=1 */
	bool trigger;	     /* WATCHDOG=trigger */
	bool hung_closed;    /* its ready fd was closed before it said it was ready */
	char status[NOTICE_STATUS_MAX]; /* STATUS=, escaped, "" when none came */
};

/* Every program section and main. */
#define INBOX_SLOTS (CONF_MAX_PROGRAMS + 1)

/*
 * At start-up, when a program has ready = notify or fd:N: allocates st->inbox, so that
 * neither the loop nor a flood of messages ever allocates. Returns 0, or -1 after logging why.
 */
int inbox_open(struct pid1_state *st);

/*
 * The notice of program idx while its process is pid, for a handler to fill in (what an
 * earlier process of it said is dropped); NULL when idx is out of range.
 */
struct notice *inbox_of(struct inbox *in, size_t idx, pid_t pid);

/* Moves program idx's notice to *out and clears it. Returns false when nothing was pending. */
bool inbox_take(struct inbox *in, size_t idx, struct notice *out);

/*
 * Before p (index idx, ready = fd:N) is spawned: a new pipe, its write end in p->spawn. The
 * previous start's read end, if any, is let go. Returns 0, or -1 after logging why.
 */
int inbox_pipe_prepare(struct pid1_state *st, struct program *p, size_t idx);

/* After the spawn (pid, or -1 when it failed): pid1 closes its write end, reads the other. */
void inbox_pipe_spawned(struct pid1_state *st, struct program *p, size_t idx, pid_t pid);

/* Closes every ready pipe and frees st->inbox (at exit, the notify socket closed first). */
void inbox_close(struct pid1_state *st);

/*
 * The sd_notify socket pid1 serves (readiness/notifysocket.c; readiness/manager.c is pid1's
 * own client): opens it, held as st->notify, and watches it in the loop; st is read to match
 * senders to programs. Returns 0, or -1 after logging why.
 */
int notifysocket_open(struct pid1_state *st);

/* The socket's address as NOTIFY_SOCKET spells it, or NULL when it is not open. */
const char *notifysocket_address(const struct notifysocket *ns);

void notifysocket_close(struct pid1_state *st);

/*
 * When the socket, resting after a failed start of the process that takes passed fds,
 * wants to be read again (-1: never); notifysocket_tick() lets it be once that time has come.
 */
int64_t notifysocket_deadline(const struct notifysocket *ns);
void notifysocket_tick(struct notifysocket *ns, int64_t now);

#endif
