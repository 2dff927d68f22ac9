/* SPDX-License-Identifier: MIT */
/*
 * The supervisor, over the table of programs supervisor/roster.c built: starting them in dependency
 * order, what an end means (restart, start-up failed, an essential program gone), the shutdown of
 * them all (pid1's exit code: supervisor/verdict.c).
 */
#ifndef PID1_SUPERVISE_H
#define PID1_SUPERVISE_H

#include <sys/types.h>
#include <stdbool.h>
#include <stdint.h>

#include "supervisor/state.h"

/* Starts every program that waits for nothing, and what comes after them. */
void supervise_start(struct pid1_state *st);

/*
 * Collects every child that ended or stopped, then acts on the programs' ends: restart,
 * start-up failed, an essential program gone. A program that holds the terminal and stopped
 * on Ctrl-Z is continued.
 */
void supervise_reap(struct pid1_state *st);

/* Programs whose exec was seen to succeed: they run, and what comes after them may start. */
void supervise_execs(struct pid1_state *st);

/* Carries out the actions program_step() returned for p (a request's, see supervisor/request.c). */
void supervise_act(struct pid1_state *st, struct program *p, unsigned int actions);
/* A program said something (ready, alive): the event goes to it, then what may start starts. */
void supervise_event(struct pid1_state *st, struct program *p, enum program_event ev);

/* Time passed: back-offs that are over start their programs again. */
void supervise_tick(struct pid1_state *st);

/* Starts the shutdown (why is logged; signo as for shutdown_begin), or repeats it. */
void supervise_shutdown(struct pid1_state *st, const char *why, int signo);

/* The one deadline the loop waits for: the earliest of every program's and the ladder's. */
int64_t supervise_deadline(const struct pid1_state *st);

#endif
