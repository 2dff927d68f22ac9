/* SPDX-License-Identifier: MIT */
/*
 * Starting the main child: fork, restore what pid1 was given (mask, ignored signals, default
 * handlers, fds), optionally its own process group, then exec. Exec failures come back to the
 * parent on a close-on-exec pipe.
 */
#ifndef PID1_CHILD_H
#define PID1_CHILD_H

#include <sys/types.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "loop.h"
#include "privs.h"

struct child_opts {
	char *const *argv;
	bool own_group;			    /* put the child in a process group of its own */
	const struct signal_setup *signals; /* what pid1 was given, and what it catches */
	bool take_tty;		   /* make the child's group the terminal's foreground group */
	bool new_session;	   /* a session of its own, away from pid1's terminal */
	const struct privs *privs; /* user, groups, workdir, umask, environment */
	const char *name;	   /* the program's, for the log; NULL for a lone command */
	int ready_fd;		   /* N of ready = fd:N, 0 for none */
	int ready_pipe;		   /* the pipe's write end pid1 made for it, placed at ready_fd */
	const char *notify_socket; /* NOTIFY_SOCKET for it (ready = notify), or NULL */
	int64_t watchdog_ms;	   /* WATCHDOG_USEC for it with notify, 0 for none */
	int out_fd;		   /* becomes the child's fd 1; 0: pid1's own is passed on */
	int err_fd;		   /* becomes the child's fd 2; 0: pid1's own is passed on */
};

/*
 * Spawns argv[0] (searched in PATH). Returns the child's pid, or -1 after logging one line
 * that names the command and the reason, with *exit_code set: 127 not found, 126 found but
 * not executable, 1 anything else (fork failed).
 */
pid_t child_spawn(const struct child_opts *opts, int *exit_code);

/*
 * Forks a process that runs fn(arg) and ends, without exec: a throw-away helper of pid1's
 * own. pid1's caught signals stay blocked in it, so none reaches pid1's handlers there.
 * Returns its pid, or -1 with errno set.
 */
pid_t child_run(void (*fn)(void *), void *arg);

#endif
