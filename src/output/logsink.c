// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The pid1 authors
 *
 * A log target's fd. pid1 must keep reaping while whoever reads its logs is stuck, so no
 * write here can wait: a line the fd cannot take at once fails, and output/log.c counts it as
 * dropped. Nothing here sets O_NONBLOCK on an inherited fd: the child shares that open
 * file description.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "output/logfile.h"
#include "output/logsink.h"

#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008 /* <linux/fs.h>, which musl-gcc does not see */
#endif

void sink_close(struct sink *s)
{
	if (s->owned && s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->sock = false;
	s->nowait = false;
	s->owned = false;
	s->fifo = false;
	s->connected = false;
}

/*
 * Decides once how an inherited fd (1 or 2) is written. It is never close-on-exec; if it
 * is, pid1 was started with it closed and the fd is something pid1 opened since, not ours
 * to write. A pipe or terminal is reopened through /proc: a separate open file description
 * that may be non-blocking without touching the child's. That fails when pid1 may not open
 * the pipe or terminal itself (a non-root pid1 given root's 0600 pipe): then each write
 * asks the kernel not to wait. A socket takes MSG_DONTWAIT. A regular file never waits
 * for a reader, so anything else is written as it is.
 */
void sink_inherited(struct sink *s, int which)
{
	char path[32];
	struct stat st;
	int flags, fd;

	flags = fcntl(which, F_GETFD);
	if (flags < 0 || (flags & FD_CLOEXEC) || fstat(which, &st) < 0)
		return;
	s->fd = which;
	s->sock = S_ISSOCK(st.st_mode);
	s->tty = isatty(which);
	s->fifo = S_ISFIFO(st.st_mode);
	if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", which);
	fd = logfile_move_high(open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
	if (fd >= 0) {
		s->fd = fd;
		s->owned = true;
	} else {
		s->nowait = true;
	}
}

/*
 * Writes to the child's own open file description without waiting. poll() cannot promise
 * that: the child may fill the pipe between our poll() and write(), and a blocking write
 * would then stop pid1 until someone reads. With RWF_NOWAIT the kernel answers EAGAIN
 * instead on a pipe made by pipe(2); where it cannot promise that (EOPNOTSUPP: a named
 * FIFO, a terminal), the line is dropped like any other that would wait.
 */
static ssize_t write_nowait(int fd, const char *buf, size_t len)
{
	struct iovec iov = {.iov_base = (void *)(uintptr_t)buf, .iov_len = len};

#ifdef HAVE_PWRITEV2
	return pwritev2(fd, &iov, 1, -1, RWF_NOWAIT);
#else
	/* musl before 1.2.5 has no wrapper; offset -1 (both halves) means "no offset". */
	return syscall(SYS_pwritev2, fd, &iov, 1, -1L, -1L, RWF_NOWAIT);
#endif
}

void sink_stderr(struct sink *s)
{
	sink_inherited(s, STDERR_FILENO);
}

ssize_t sink_write(const struct sink *s, const char *buf, size_t len)
{
	sigset_t ttou, saved;
	ssize_t n;

	/*
	 * With `stty tostop`, writing to the terminal from a background group raises SIGTTOU.
	 * pid1 catches it and never stops, so the restarted write would raise it again forever.
	 * Blocked, the terminal lets the write through.
	 */
	if (s->tty) {
		sigemptyset(&ttou);
		sigaddset(&ttou, SIGTTOU);
		sigprocmask(SIG_BLOCK, &ttou, &saved);
	}
	do {
		/* MSG_NOSIGNAL: a reader gone away is a dropped line, not a SIGPIPE. */
		if (s->sock)
			n = send(s->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		else if (s->nowait)
			n = write_nowait(s->fd, buf, len);
		else
			n = write(s->fd, buf, len);
	} while (n < 0 && errno == EINTR);
	/* Only what was done is undone: a C library may leave signals out of saved (musl: 34). */
	if (s->tty && !sigismember(&saved, SIGTTOU))
		sigprocmask(SIG_UNBLOCK, &ttou, NULL);
	return n;
}

/*
 * One attempt to hand buf to a target without blocking. poll() first, for every kind: it
 * tells a reader gone away, and on a stream socket it keeps a line from going out in part.
 * Returns 0 when all of buf went out.
 */
int sink_put(const struct sink *s, const char *buf, size_t len)
{
	struct pollfd pfd = {.fd = s->fd, .events = POLLOUT};

	if (poll(&pfd, 1, 0) != 1) {
		errno = EAGAIN;
		return -1;
	}
	/* The reader is gone: for syslog, a reason to reconnect. */
	if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) {
		errno = EPIPE;
		return -1;
	}
	if (!(pfd.revents & POLLOUT)) {
		errno = EAGAIN;
		return -1;
	}
	return sink_write(s, buf, len) == (ssize_t)len ? 0 : -1;
}

int sink_connect_syslog(struct sink *s)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	if (s->fd < 0) {
		s->fd = logfile_move_high(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
		if (s->fd < 0)
			return -1;
		s->sock = true;
		s->owned = true;
	}
	strncpy(sun.sun_path, _PATH_LOG, sizeof(sun.sun_path) - 1);
	s->connected = connect(s->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	return s->connected ? 0 : -1;
}
