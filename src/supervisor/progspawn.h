/* SPDX-License-Identifier: MIT */
/*
 * Spawning one program's process with everything it is handed: notify socket, watchdog,
 * ready pipe and output pipes, each set up around child_spawn().
 */
#ifndef PID1_PROGSPAWN_H
#define PID1_PROGSPAWN_H

#include <sys/types.h>
#include <stdbool.h>

#include "core/child.h"
#include "supervisor/state.h"

/*
 * Forks p: its pid, its exec still to come (see progspawn_take()); or -1 (logged) with
 * *code 1 when no process could be made.
 */
pid_t progspawn_run(struct pid1_state *st, struct program *p, int *code);

/* Whether some program's exec was seen to succeed and is not yet taken: cheap, each wake-up. */
bool progspawn_pending(const struct pid1_state *st);

/*
 * How p's last exec went, taken once: CHILD_EXEC_DONE when it succeeded; CHILD_EXEC_FAILED
 * only once its process was reaped (reaped true), after logging why, with *code its exit
 * code (127, 126, 1); else CHILD_EXEC_PENDING (nothing new). With reaped true the pipe is
 * read first: a dead process's pipe has all it will ever say, so that read cannot wait.
 */
enum child_exec progspawn_take(struct pid1_state *st, struct program *p, bool reaped, int *code);

#endif
