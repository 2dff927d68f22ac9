/* SPDX-License-Identifier: MIT */
/*
 * pid1's own readiness, told outward; supervisor/readiness.c decides what. To its service
 * manager (systemd, Type=notify), as the client side of sd_notify, the opposite of
 * readiness/notifysocket.c: when pid1 is ready, what it is doing, when it stops, and the
 * manager's watchdog petted. And to probes that can only test a path (Kubernetes' exec probe
 * with test -e, a healthcheck script): the ready file exists exactly while pid1 is ready.
 */
#ifndef PID1_MANAGER_H
#define PID1_MANAGER_H

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

/* Held by main() (st->manager); MANAGER_NONE before manager_init() and readyfile_open(). */
struct manager {
	struct {
		int fd; /* -1: no service manager to tell */
		struct sockaddr_un sa;
		socklen_t len;
		int64_t period_ms; /* half of WATCHDOG_USEC; 0: no watchdog */
		int64_t next_ms;   /* when to pet it next */
		int64_t retry_ms;  /* when to wake up to send again what was refused; -1: nothing */
	} sd;
	struct {
		int dirfd; /* -1: no ready file */
		char name[NAME_MAX + 1];
		bool exists; /* pid1 created it and it has not been removed */
		bool wanted; /* as the last call asked: a failure is not retried until it changes */
		dev_t dev;   /* the file pid1 created */
		ino_t ino;
	} file;
};

#define MANAGER_NONE ((struct manager){.sd.fd = -1, .sd.retry_ms = -1, .file.dirfd = -1})

/*
 * Takes NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID out of pid1's environment, so that no
 * program speaks to systemd in pid1's name. With pass_through, leaves them alone for the
 * one program instead, and sends nothing itself.
 */
void manager_init(struct manager *m, bool pass_through);

/* Whether pid1 has a service manager to tell. */
bool manager_active(const struct manager *m);

/*
 * Sends one message (lines of KEY=VALUE); never blocks, a failure is logged at debug.
 * Returns false when it was refused (a full queue): the deadline then brings a wake-up for
 * the caller to send it again.
 */
bool manager_send(struct manager *m, const char *msg);

/* When the watchdog must next be petted or a refused message sent again; -1: never. */
int64_t manager_deadline(const struct manager *m);

/* Pets the watchdog when it is due at now. */
void manager_tick(struct manager *m, int64_t now);

void manager_close(struct manager *m);

/*
 * At start-up: opens path's directory (creating it, 0755, when only it is missing), checks
 * it, and removes a name left over from an earlier run. Returns 0, or -1 after printing why.
 */
int readyfile_open(struct manager *m, const char *path);

/* Whether there is a ready file to keep. */
bool readyfile_active(const struct manager *m);

/* Creates the file (ready) or removes it (not ready); a no-op when nothing changes. */
void readyfile_set(struct manager *m, bool ready);

/* Removes the file and lets the directory go (at exit). */
void readyfile_close(struct manager *m);

#endif
