/* SPDX-License-Identifier: MIT */
/*
 * Requests by program name, from the control socket or a signal rule's restart: stop,
 * start, restart and signal one program while the others keep running.
 */
#ifndef PID1_REQUEST_H
#define PID1_REQUEST_H

#include <stddef.h>

#include "supervisor/state.h"

/* The program called name, or NULL. Stop hooks are not found: they run at shutdown only. */
struct program *request_find(struct pid1_state *st, const char *name);

/*
 * Feeds ev (PROGRAM_EV_HALT, _RESTART or _RUN) to p for who (logged) and carries out what it
 * asks. Returns 0, or -1 when pid1 shuts down; msg says what happened either way.
 */
int request_program(struct pid1_state *st, struct program *p, enum program_event ev,
		    const char *who, char *msg, size_t len);

/* Sends signo to p (its process group when it has one). Returns 0, or -1 with msg. */
int request_signal(struct pid1_state *st, struct program *p, int signo, const char *who, char *msg,
		   size_t len);

/* A state's name for the status: KILLING on request reads stopping or restarting. */
const char *request_state_name(const struct program *p);

#endif
