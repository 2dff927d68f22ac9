/* SPDX-License-Identifier: MIT */
/*
 * ready = fd:N, s6's notification fd: a program that cannot speak sd_notify writes a newline
 * to fd N when it is ready (and, with a watchdog, again and again while it is alive). pid1
 * makes a new pipe for each start, gives the program its write end as fd N, and reads the
 * other end as a loop source.
 */
#ifndef PID1_READYFD_H
#define PID1_READYFD_H

#include <stddef.h>

#include "core/loop.h"
#include "supervisor/program.h"

/*
 * Before p (index idx) is spawned: a new pipe, its write end in p->spawn. The previous
 * start's read end, if any, is let go. Returns 0, or -1 after logging why.
 */
int readyfd_prepare(struct loop *loop, struct program *p, size_t idx);

/* After the spawn (pid, or -1 when it failed): pid1 closes its write end, reads the other. */
void readyfd_spawned(struct loop *loop, struct program *p, size_t idx, pid_t pid);

/* Closes every read end (at exit). */
void readyfd_close_all(struct loop *loop);

#endif
