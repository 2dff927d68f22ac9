/* SPDX-License-Identifier: MIT */
/*
 * The sd_notify server for pid1's programs: one datagram socket, whose address programs with
 * ready = notify get as NOTIFY_SOCKET. Messages are checked and turned into notices.
 */
#ifndef PID1_NOTIFY_H
#define PID1_NOTIFY_H

#include "supervisor/state.h"

/* The largest datagram read; a longer one is dropped whole. */
#define NOTIFY_MSG_MAX 4096

/*
 * Opens the socket and watches it in the loop; st is read to match senders to programs.
 * Returns 0, or -1 after logging why.
 */
int notify_open(const struct pid1_state *st);

/* The socket's address as NOTIFY_SOCKET spells it, or NULL when it is not open. */
const char *notify_address(void);

void notify_close(void);

/*
 * When the socket, resting after a failed start of the process that takes passed fds,
 * wants to be read again (-1: never); notify_tick() lets it be once that time has come.
 */
int64_t notify_deadline(void);
void notify_tick(int64_t now);

#endif
