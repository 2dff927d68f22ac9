/* SPDX-License-Identifier: MIT */
/*
 * `pid1 ctl`: the client side of the control socket, in the same binary (also run as
 * pid1ctl). It never waits longer than its timeout, and says so when no pid1 listens.
 */
#ifndef PID1_CTLCLIENT_H
#define PID1_CTLCLIENT_H

#include <stdbool.h>

/* Whether argv asks for the client: `pid1 ctl ...`, or a program named pid1ctl. */
bool ctlclient_wanted(int argc, char **argv);

/* Runs the client; returns the exit code: 0 done (ready), 1 error (not ready), 2 usage. */
int ctlclient_main(int argc, char **argv);

#endif
