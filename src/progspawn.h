/* SPDX-License-Identifier: MIT */
/*
 * Spawning one program's process with everything it is handed: notify socket, watchdog,
 * ready pipe and output pipes, each set up around child_spawn().
 */
#ifndef PID1_PROGSPAWN_H
#define PID1_PROGSPAWN_H

#include <sys/types.h>

#include "state.h"

/* Spawns p: its pid, or -1 (logged) with *code as child_spawn() sets it: 127, 126 or 1. */
pid_t progspawn_run(struct pid1_state *st, struct program *p, int *code);

#endif
