/* SPDX-License-Identifier: MIT */
/*
 * Reaching processes: sending a signal to a scope (the programs, their groups, everything) and
 * counting what is left in it; and reaping them. The only place pid1 calls kill() and wait().
 */
#ifndef PID1_TARGET_H
#define PID1_TARGET_H

#include <sys/types.h>
#include <stdbool.h>

#include "state/state.h"

/*
 * Sends signo to the processes in scope. Never signals a child already reaped.
 * Returns 0 when at least one process was reached, -1 otherwise (errno set).
 */
int target_signal(const struct pid1_state *st, enum scope scope, int signo);

/*
 * Sends signo to the programs named in names (NULL-terminated): to each one's process group
 * when scope is not child and it has one, else to its process.
 */
int target_signal_named(const struct pid1_state *st, enum scope scope, char *const *names,
			int signo);

/*
 * p was spawned as pid: its process group, when it leads one, is known from now on, by a
 * pidfd where the kernel gives one.
 */
void target_spawned(struct program *p, pid_t pid);

/*
 * Whether p, reaped just now while being stopped (on request, hung, or by the shutdown
 * with a scope other than child), left processes in its group that its stop must wait for.
 */
bool target_waits(const struct pid1_state *st, const struct program *p);

/*
 * Forgets the group of each reaped program that is now empty: after each reap and tick, so
 * that its number, free for any process to take, is never signalled as the program's.
 */
void target_settle(const struct pid1_state *st);

/* Sends signo to one program: its process group when it has one, else its process. */
int target_signal_program(const struct program *p, int signo);

/* Whom a ladder step reaches: one program, else the programs of a level, else a scope. */
struct target_set {
	const struct program *program; /* not NULL: this program alone */
	int level;		       /* else, when >= 0: the running programs of this level */
	bool first;		       /* with level: those with a stop-signal get it instead */
	enum scope scope;	       /* else: this scope */
};

/*
 * One step of a ladder, the shutdown's or a program's own: signo to set, then SIGCONT
 * unless signo is SIGKILL or SIGCONT, since a stopped process cannot act on a signal until
 * it runs again (systemd does the same). Returns what sending signo returned, errno with it.
 */
int target_step(const struct pid1_state *st, const struct target_set *set, int signo);

/* How many live processes remain in scope; -1 when it cannot tell. */
int target_count(const struct pid1_state *st, enum scope scope);

/* True when nothing is left in scope: the ladder may end. Cheap; no /proc walk. */
bool target_empty(const struct pid1_state *st, enum scope scope);

/*
 * Makes pid1 a child subreaper when it is not PID 1, or always when force is set, so orphans
 * still come to it. Sets st->is_pid1 and st->subreaper. Returns 0, or -1 (errno set).
 */
int reaper_init(struct pid1_state *st, bool force);

/*
 * The next child that ended (reaped) or stopped, without waiting: true with *pid and
 * *status set. False once none is left to collect now; st->children_left then says whether
 * any child remains. Signals coalesce, so a caller collects until false.
 */
bool reaper_next(struct pid1_state *st, pid_t *pid, int *status);

/* Logs an orphan reaped (-w: at warning level). */
void reaper_orphan(const struct pid1_state *st, pid_t pid, int status);

#endif
