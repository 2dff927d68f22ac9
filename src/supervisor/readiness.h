/* SPDX-License-Identifier: MIT */
/*
 * Readiness and watchdogs, on the supervisor's side: what programs said (readiness/notifysocket.c,
 * readiness/inbox.c) goes to their state machines through supervise() (a hung one is
 * stopped by its own ladder); pid1's own readiness (every essential program ready) goes to
 * the ready file and to systemd.
 */
#ifndef PID1_READINESS_H
#define PID1_READINESS_H

#include <stdbool.h>
#include <stdint.h>

#include "state/state.h"

/*
 * Whether an inherited NOTIFY_SOCKET is the one program's to use, as before readiness: one
 * program, and no readiness key anywhere. Otherwise pid1 speaks to it itself.
 */
bool readiness_pass_through(const struct pid1_state *st);

/* After loop_init(): pid1's own notify client, and the socket for ready = notify. Returns 0/-1. */
int readiness_open(struct pid1_state *st);

/*
 * Whether pid1 is ready: it runs and every essential program is ready (every program, when
 * none is essential); summary says so in one line ("1 of 2 programs ready; not ready: web").
 */
bool readiness_ready(const struct pid1_state *st, char *summary, size_t len);

/* After each wake-up: feeds the programs' notices in, then updates pid1's own readiness. */
void readiness_update(struct pid1_state *st);

/* At exit: the ready file removed, every socket and pipe closed. */
void readiness_close(struct pid1_state *st);

#endif
