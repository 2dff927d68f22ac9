// SPDX-License-Identifier: MIT
/*
 * Starting the main child. pid1 is transparent: the child gets exactly the signal mask,
 * ignored signals and fds pid1 was given, and default dispositions for everything pid1
 * catches. Exec errors travel back on a close-on-exec pipe so that pid1, not the child,
 * reports them and picks 126 or 127 as a shell would. Distrusted: the child between fork
 * and exec, which runs as the program's user and may be stopped by any process of that user;
 * pid1 never waits on its pipe (non-blocking, read from the loop), and the child exits with
 * the code itself, so its wait status is right whenever it is reaped.
 */
#include "config.h"

#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vis.h>

#include "core/child.h"
#include "core/signame.h"
#include "core/log.h"
#include "sys/service.h"

/*
 * The child's last words: one record, smaller than PIPE_BUF so it arrives whole. Without a
 * pipe (pid1 was short of fds) the child says it on its own stderr, as a shell would.
 */
static void fail_child(int errfd, const char *what, int err)
{
	struct child_failure e = {.err = err};

	strlcpy(e.what, what, sizeof(e.what));
	if (errfd < 0)
		dprintf(STDERR_FILENO, "pid1: cannot start the program%s%s: %s\n",
			what[0] != '\0' ? ": " : "", what, strerror(err));
	else
		while (write(errfd, &e, sizeof(e)) < 0 && errno == EINTR)
			;
	if (what[0] != '\0')
		_exit(EXIT_START_FAILED);
	_exit(err == ENOENT || err == ENOTDIR ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE);
}

/* Makes from (a close-on-exec fd above 2, or 0 for none) the child's fd to. */
static int redirect(int from, int to)
{
	return from > STDERR_FILENO ? dup2(from, to) : 0;
}

/*
 * Puts from, a write end pid1 made, at the fd the program named: dup2 clears close-on-exec;
 * on the same number it must be cleared by hand. The exec error pipe must not be that fd.
 */
static int place(int from, int fd, int *errfd)
{
	if (*errfd == fd)
		*errfd = fcntl(*errfd, F_DUPFD_CLOEXEC, fd + 1);
	return from == fd ? fcntl(fd, F_SETFD, 0) : dup2(from, fd);
}

/*
 * The readiness channels: the ready pipe's write end at the fd the program named, and for
 * ready = notify pid1's socket, with the watchdog period as systemd gives it. A oneshot's
 * export-env pipe the same way (a oneshot has no ready pipe, so the two never meet).
 */
static int setup_ready(const struct child_opts *opts, int *errfd)
{
	char num[32];

	if (opts->ready_fd > 0 && place(opts->ready_pipe, opts->ready_fd, errfd) < 0)
		return -1;
	if (opts->export_fd > 0 && place(opts->export_pipe, opts->export_fd, errfd) < 0)
		return -1;
	if (opts->notify_socket == NULL)
		return 0;
	if (setenv("NOTIFY_SOCKET", opts->notify_socket, 1) < 0)
		return -1;
	if (opts->watchdog_ms <= 0)
		return 0;
	snprintf(num, sizeof(num), "%lld", (long long)opts->watchdog_ms * 1000);
	if (setenv("WATCHDOG_USEC", num, 1) < 0)
		return -1;
	snprintf(num, sizeof(num), "%ld", (long)getpid());
	return setenv("WATCHDOG_PID", num, 1);
}

/* The child side, after fork: never returns. */
static void exec_child(const struct child_opts *opts, int errfd)
{
	const char *what = "";

	loop_restore_signals(opts->signals);
	/* dup2 leaves the copy without close-on-exec: the pipe's end is the child's to keep. */
	if (redirect(opts->out_fd, STDOUT_FILENO) < 0 || redirect(opts->err_fd, STDERR_FILENO) < 0)
		fail_child(errfd, "redirecting its output", errno);
	/*
	 * A child that runs as another user could push input into pid1's terminal (TIOCSTI),
	 * to be run by whatever reads it next, such as the root shell that started pid1. The
	 * kernel allows that only on the caller's controlling terminal, and a new session
	 * has none, nor can it take one that is a session's already. Only the child does this:
	 * setpgid from the parent first would make the child a group leader, which setsid
	 * refuses, so the parent leaves the group alone for a new session.
	 */
	if (opts->new_session && setsid() < 0)
		fail_child(errfd, "starting a new session", errno);
	/* Set in both parent and child so neither races the other's first signal. */
	if (opts->own_group && !opts->new_session)
		setpgid(0, 0);
	/*
	 * Interactive use (docker run -it): the child's group takes the terminal, so Ctrl-C and
	 * Ctrl-Z reach it as they would without an init. SIGTTOU is still blocked here, which
	 * is what lets a background group make this call.
	 */
	if (opts->take_tty && tcsetpgrp(STDIN_FILENO, getpid()) < 0)
		fail_child(errfd, "taking the terminal", errno);
	service_child_env();
	if (setup_ready(opts, &errfd) < 0)
		fail_child(errfd, "setting up its readiness channel", errno);
	if (opts->privs != NULL && privs_apply(opts->privs, &what) < 0)
		fail_child(errfd, what, errno);
	loop_restore_mask(opts->signals);
	execvp(opts->argv[0], opts->argv);
	fail_child(errfd, "", errno);
}

int child_exec_report(const struct child_opts *opts, const struct child_failure *f)
{
	const char *prog = opts->name != NULL ? opts->name : "",
		   *sep = opts->name != NULL ? ": " : "";
	const char *cmd = opts->argv[0], *name = cmd;
	char *safe = NULL;
	int code;

	if (f->what[0] != '\0') {
		log_err("cannot start %s: %s: %s", opts->name != NULL ? opts->name : "the child",
			f->what, strerror(f->err));
		return EXIT_START_FAILED;
	}
	if (stravis(&safe, cmd, VIS_SAFE | VIS_OCTAL | VIS_NOLOCALE) >= 0)
		name = safe;
	if (f->err == ENOENT && strchr(cmd, '/') == NULL) {
		log_err("%s%s%s: command not found", prog, sep, name);
		code = EXIT_NOT_FOUND;
	} else {
		log_err("%s%s%s: %s", prog, sep, name, strerror(f->err));
		code = f->err == ENOENT || f->err == ENOTDIR ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE;
	}
	free(safe);
	return code;
}

enum child_exec child_exec_read(int errfd, struct child_failure *f)
{
	ssize_t got;

	do
		got = read(errfd, f, sizeof(*f));
	while (got < 0 && errno == EINTR);
	if (got == (ssize_t)sizeof(*f)) {
		f->what[sizeof(f->what) - 1] = '\0'; /* the child is past setuid: not trusted */
		return CHILD_EXEC_FAILED;
	}
	/* A record is written whole or not at all: anything else but EAGAIN is the end. */
	return got < 0 && errno == EAGAIN ? CHILD_EXEC_PENDING : CHILD_EXEC_DONE;
}

int child_pipe(int fds[2])
{
	int err;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0)
		return 0;
	err = errno;
	close(fds[0]);
	close(fds[1]);
	errno = err;
	return -1;
}

pid_t child_spawn(const struct child_opts *opts, int *errfd)
{
	int errpipe[2], err;
	pid_t pid;

	*errfd = -1;
	/*
	 * Short of fds, the program starts all the same, unwatched: an exec error then shows
	 * only as its exit code and its own line on stderr. pid1 must not stop for want of a pipe.
	 */
	/* The child's end stays blocking, so its record is never refused. */
	if (child_pipe(errpipe) < 0) {
		if (errno != EMFILE && errno != ENFILE)
			return -1;
		errpipe[0] = errpipe[1] = -1;
	}
	pid = fork();
	if (pid == 0)
		exec_child(opts, errpipe[1]);
	err = errno;
	if (errpipe[1] >= 0)
		close(errpipe[1]);
	if (pid < 0) {
		if (errpipe[0] >= 0)
			close(errpipe[0]);
		errno = err;
		return -1;
	}
	if (opts->own_group && !opts->new_session)
		setpgid(pid, pid); /* EACCES once the child has exec'd: it did it itself */
	*errfd = errpipe[0];
	return pid;
}

pid_t child_run(void (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	return pid;
}

const char *exitcode_describe(int status, char *buf, size_t len)
{
	char name[SIGNAME_MAX];

	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by %s%s",
			 signame_name(WTERMSIG(status), name, sizeof(name)),
			 WCOREDUMP(status) ? " (core dumped)" : "");
	else
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	return buf;
}

int exitcode_from_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	/* Stopped or continued statuses are never final; treat as a failure, not success. */
	return EXIT_START_FAILED;
}

int exitcode_remap(const int map[256], int code)
{
	if (code < 0 || code > 255 || map[code] < 0)
		return code;
	return map[code];
}
