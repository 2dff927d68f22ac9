/* SPDX-License-Identifier: MIT */
/*
 * The sd_notify socket pid1 serves to its programs (the server side; readiness/manager.c is
 * pid1's own client): programs with ready = notify get its address as NOTIFY_SOCKET, and what
 * they send is checked and left in the inbox (readiness/inbox.h).
 */
#ifndef PID1_NOTIFYSOCKET_H
#define PID1_NOTIFYSOCKET_H

#include <stdint.h>

#include "state/state.h"

/*
 * Opens the socket, held as st->notify, and watches it in the loop; st is read to match
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
