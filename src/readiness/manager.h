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

#include <stdbool.h>
#include <stdint.h>

/*
 * Takes NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID out of pid1's environment, so that no
 * program speaks to systemd in pid1's name. With pass_through, leaves them alone for the
 * one program instead, and sends nothing itself.
 */
void manager_init(bool pass_through);

/* Whether pid1 has a service manager to tell. */
bool manager_active(void);

/*
 * Sends one message (lines of KEY=VALUE); never blocks, a failure is logged at debug.
 * Returns false when it was refused (a full queue): the deadline then brings a wake-up for
 * the caller to send it again.
 */
bool manager_send(const char *msg);

/* When the watchdog must next be petted or a refused message sent again; -1: never. */
int64_t manager_deadline(void);

/* Pets the watchdog when it is due at now. */
void manager_tick(int64_t now);

void manager_close(void);

/*
 * At start-up: opens path's directory (creating it, 0755, when only it is missing), checks
 * it, and removes a name left over from an earlier run. Returns 0, or -1 after printing why.
 */
int readyfile_open(const char *path);

/* Whether there is a ready file to keep. */
bool readyfile_active(void);

/* Creates the file (ready) or removes it (not ready); a no-op when nothing changes. */
void readyfile_set(bool ready);

/* Removes the file and lets the directory go (at exit). */
void readyfile_close(void);

#endif
