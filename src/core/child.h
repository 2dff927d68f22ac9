/* SPDX-License-Identifier: MIT */
/*
 * Starting the main child: fork, restore what pid1 was given (mask, ignored signals, default
 * handlers, fds), optionally its own process group, then exec. Exec failures come back to the
 * parent on a close-on-exec pipe, which pid1 reads as a loop source: the child may be stopped
 * by a process of its user before it gets to exec, so pid1 never waits for it. And how a
 * child's end reads: the exit code, as a shell reports it, and the exit-code remaps.
 */
#ifndef PID1_CHILD_H
#define PID1_CHILD_H

#include <sys/types.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/loop.h"
#include "sys/privs.h"

/* Exit codes pid1 uses for itself; documented in pid1.8 EXIT STATUS. */
#define EXIT_START_FAILED   1 /* pid1 could not start the child (fork failed...) */
#define EXIT_USAGE	    2 /* bad usage or configuration; child never started */
#define EXIT_NOT_EXECUTABLE 126
#define EXIT_NOT_FOUND	    127

/* Wait statuses made up by hand; glibc defines these, musl does not. */
#ifndef W_EXITCODE
#define W_EXITCODE(code, sig) ((code) << 8 | (sig))
#endif
#ifndef WCOREFLAG
#define WCOREFLAG 0x80
#endif
#ifndef W_STOPCODE
#define W_STOPCODE(sig) ((sig) << 8 | 0x7f)
#endif

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
	int export_fd;		   /* N of export-env = fd:N, 0 for none */
	int export_pipe;	   /* the pipe's write end pid1 made for it, placed at export_fd */
	const char *notify_socket; /* NOTIFY_SOCKET for it (ready = notify), or NULL */
	int64_t watchdog_ms;	   /* WATCHDOG_USEC for it with notify, 0 for none */
	int out_fd;		   /* becomes the child's fd 1; 0: pid1's own is passed on */
	int err_fd;		   /* becomes the child's fd 2; 0: pid1's own is passed on */
};

/* What a child sent back when it could not exec: the step that failed and errno. */
struct child_failure {
	int err;
	char what[64]; /* "" for exec itself */
};

/* What the exec-error pipe says so far. */
enum child_exec {
	CHILD_EXEC_PENDING, /* nothing yet: the child has not got to exec */
	CHILD_EXEC_DONE,    /* end of file: exec succeeded (or the child died before it) */
	CHILD_EXEC_FAILED,  /* a record: the child exits 126, 127 or 1 */
};

/*
 * Forks a child that execs argv[0] (searched in PATH) and returns its pid at once, with
 * *errfd the read end of its exec-error pipe (close-on-exec, non-blocking, the caller's to
 * watch and close). Returns -1 with errno set when no child could be made (no pipe, no
 * fork: EAGAIN under a pid limit), for the caller to say whether it tries again.
 */
pid_t child_spawn(const struct child_opts *opts, int *errfd);

/*
 * A pipe a child writes and pid1 reads: both ends close-on-exec, only pid1's (fds[0])
 * non-blocking, so the child's keeps the flags a pipe is born with. Returns 0, or -1 with
 * errno set and nothing left open.
 */
int child_pipe(int fds[2]);

/* Reads errfd without blocking; fills *f when it returns CHILD_EXEC_FAILED. */
enum child_exec child_exec_read(int errfd, struct child_failure *f);

/*
 * Logs one line naming the program (opts->name), the command and the reason of f, the way a
 * shell words it, and returns the child's exit code: 127 not found, 126 found but not
 * executable, 1 a step before exec failed.
 */
int child_exec_report(const struct child_opts *opts, const struct child_failure *f);

/*
 * Forks a process that runs fn(arg) and ends, without exec: a throw-away helper of pid1's
 * own. pid1's caught signals stay blocked in it, so none reaches pid1's handlers there.
 * Returns its pid, or -1 with errno set.
 */
pid_t child_run(void (*fn)(void *), void *arg);

/* "exited with status 3" or "killed by SIGKILL" for a wait status, for the log. */
const char *exitcode_describe(int status, char *buf, size_t len);

/* A wait status as a shell would report it: the exit code, or 128+N when killed by N. */
int exitcode_from_status(int wstatus);

/* Applies a remap table of 256 entries (-1 = unchanged) to code. */
int exitcode_remap(const int map[256], int code);

#endif
