/* SPDX-License-Identifier: MIT */
/*
 * pid1's own service manager (systemd, Type=notify): the client side of sd_notify, the
 * opposite of readiness/notifysocket.c. It tells the manager when pid1 is ready, what it is
 * doing, when it stops, and pets the manager's watchdog; supervisor/readiness.c decides what.
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

#endif
