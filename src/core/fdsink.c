// SPDX-License-Identifier: MIT
/*
 * Letting go of files pid1 must never close last (core/fdsink.h). Distrusted: every file
 * others passed to pid1 or left it. Closing one may block in the kernel for as long as its
 * owner likes: a TCP socket lingering on unsent data (up to 2^31 s), a unix socket whose queue
 * holds such a socket in flight, a FUSE file's flush. From Linux 6.16 the kernel refuses
 * passed ones at the door (SO_PASSRIGHTS). Before that, pid1 looks at what is queued without
 * taking it (a peek drops only its own extra references) and leaves anything that may hold
 * such a file to a throw-away process, which takes it and ends: a process's exit never
 * lingers, and one that hangs anyway blocks no one but itself. Inherited sockets go the same
 * way: a program may turn SO_LINGER on for one, or anyone who reaches a unix socket may queue
 * such a socket in flight on it, and once the programs let go pid1's close would be the last.
 * (A FUSE file's flush could wait on its daemon too; pid1 is not handed such files by the
 * runtimes it serves.)
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/child.h"
#include "core/fdsink.h"
#include "core/log.h"

#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS 83 /* asm-generic; older headers lack it, older kernels refuse it */
#endif
/* The kernel's limit on fds in one message (SCM_MAX_FD). */
#define SINK_FDS 253
/*
 * Datagrams one throw-away process takes: each may bring SINK_FDS files, and the process
 * must have room for them all, or the kernel drops the rest in its hands before it ends.
 */
#define SINK_BATCH 3

bool fdsink_refuse(int sock)
{
	int off = 0;

	return setsockopt(sock, SOL_SOCKET, SO_PASSRIGHTS, &off, sizeof(off)) == 0;
}

ssize_t fdsink_recv(int fd, char *buf, size_t len)
{
	struct iovec iov = {buf, len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_PEEK);
	if (n <= 0)
		return n;
	if (msg.msg_flags & MSG_CTRUNC) {
		errno = EBADMSG;
		return -1;
	}
	/* Only pid1 reads here: the same n bytes, which carry none. */
	return recv(fd, buf, (size_t)n, MSG_DONTWAIT);
}

/* Closes fds lo to hi; one by one where close_range is missing (before 5.9) or filtered. */
static void close_from(unsigned int lo, unsigned int hi)
{
	long limit;

	if (lo > hi || syscall(SYS_close_range, lo, hi, 0U) == 0)
		return;
	limit = sysconf(_SC_OPEN_MAX);
	for (; lo <= hi && (long)lo < limit; lo++)
		close((int)lo);
}

/* In the throw-away process: closes every fd but a and b (both >= 0). */
static void keep_only(int a, int b)
{
	unsigned int lo = (unsigned int)(a < b ? a : b), hi = (unsigned int)(a < b ? b : a);

	/* Closing pid1's files here never closes them last: pid1 still holds them. */
	if (lo > 0)
		close_from(0, lo - 1);
	if (hi > lo + 1)
		close_from(lo + 1, hi - 1);
	close_from(hi + 1, ~0U);
}

/* Whether the datagram at the head of sock carries fds; false too when there is none. */
static bool head_has_fds(int sock)
{
	char byte;
	/* Room for the credentials the notify socket asks for: only fds may be cut off. */
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(sizeof(struct ucred))];
	} control;
	struct iovec iov = {&byte, 1};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = &control,
			     .msg_controllen = sizeof(control)};

	return recvmsg(sock, &msg, MSG_DONTWAIT | MSG_PEEK) >= 0 && (msg.msg_flags & MSG_CTRUNC);
}

struct job {
	int fd;	  /* the file to end with: a notify socket, or a client's */
	int pipe; /* take: the pipe to hang up once done; close: the one pid1 hangs up */
	int ours; /* the pipe's other end, pid1's */
	bool take;
};

/*
 * The throw-away process. Its fds close as it exits, where no close lingers; a FUSE flush
 * there may still hang it, which costs a process, not pid1.
 */
static void sink_main(void *arg)
{
	const struct job *job = arg;
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(SINK_FDS * sizeof(int))];
	} control;
	struct msghdr msg;
	char byte;
	int i;

	/* First, by name: a copy of pid1's end left open here would keep the pipe from ending. */
	close(job->ours);
	keep_only(job->fd, job->pipe);
	if (!job->take) {
		/* Until pid1 has dropped its copy, so that this one is the last. */
		while (read(job->pipe, &byte, 1) < 0 && errno == EINTR)
			;
		return;
	}
	for (i = 0; i < SINK_BATCH && head_has_fds(job->fd); i++) {
		msg = (struct msghdr){.msg_control = &control, .msg_controllen = sizeof(control)};
		if (recvmsg(job->fd, &msg, MSG_DONTWAIT) < 0)
			break;
	}
	close(job->pipe);
}

/* Starts the throw-away process for job; pid1 keeps the pipe's other end, returned. */
static int start(struct job *job)
{
	int p[2], err;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	job->pipe = job->take ? p[1] : p[0];
	job->ours = job->take ? p[0] : p[1];
	if (child_run(sink_main, job) < 0) {
		err = errno;
		close(p[0]);
		close(p[1]);
		errno = err;
		return -1;
	}
	close(job->pipe);
	return job->take ? p[0] : p[1];
}

bool fdsink_hand_over(int fd)
{
	struct job job = {.fd = fd, .take = false};
	int gate = start(&job);

	if (gate < 0)
		return false;
	close(fd);
	close(gate);
	return true;
}

void fdsink_close(int fd)
{
	int queued = 0;

	/* Once its input is shut, the peer cannot queue more: what is queued now is all. */
	if (shutdown(fd, SHUT_RD) == 0 && ioctl(fd, SIOCINQ, &queued) == 0 && queued == 0) {
		close(fd);
		return;
	}
	/* Never closed here: one fd lost is better than pid1 held in that close. */
	if (!fdsink_hand_over(fd))
		log_warn("kept a socket with fds queued open: no process could be started to "
			 "close it: %m");
}

int fdsink_take(int sock)
{
	struct job job = {.fd = sock, .take = true};

	/* No warning here: the caller tries again later and says so once, not at each try. */
	return start(&job);
}

/*
 * Whether fd is a socket: its last close may wait, set to linger or with files in flight
 * queued on it. The link's text is the kernel's name for the file; reading it touches no
 * file system, where fstat() on a FUSE file would ask its daemon.
 */
static bool is_socket(int fd)
{
	char path[32], name[8];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, name, sizeof(name));
	return n >= 7 && memcmp(name, "socket:", 7) == 0;
}

/* Closes fd if it is an inherited one. Returns 1 when it was closed. */
static int release_fd(int fd, rlim_t limit)
{
	int flags;

	/* Above the limit sit the fds a wrapper like valgrind keeps for itself. */
	if (fd <= STDERR_FILENO || (rlim_t)fd >= limit)
		return 0;
	flags = fcntl(fd, F_GETFD);
	if (flags < 0 || (flags & FD_CLOEXEC))
		return 0;
	if (!is_socket(fd))
		return close(fd) == 0;
	if (fdsink_hand_over(fd))
		return 1;
	log_notice("kept inherited socket %d: no process could be started to let go of it (%m), "
		   "and pid1's own close could be made to wait",
		   fd);
	return 0;
}

/* Without /proc: every possible fd, once; at most RLIMIT_NOFILE system calls. */
static size_t release_each(rlim_t limit)
{
	size_t n = 0;
	rlim_t fd;

	for (fd = STDERR_FILENO + 1; fd < limit && fd <= (rlim_t)INT_MAX; fd++)
		n += release_fd((int)fd, limit);
	return n;
}

/*
 * Closes the inherited fds above 2; returns how many. getdents64 into a buffer on the stack,
 * not opendir: start-up allocates nothing. The directory's own fd is close-on-exec, so the
 * walk leaves it alone.
 */
static size_t release_fds(void)
{
	_Alignas(struct dirent64) char buf[1024];
	struct rlimit rl = {.rlim_cur = RLIM_INFINITY};
	const struct dirent64 *de;
	ssize_t got, pos;
	size_t n = 0;
	int dir;

	getrlimit(RLIMIT_NOFILE, &rl);
	dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return release_each(rl.rlim_cur);
	while ((got = getdents64(dir, (void *)buf, sizeof(buf))) > 0) {
		for (pos = 0; pos < got; pos += de->d_reclen) {
			de = (const struct dirent64 *)(const void *)(buf + pos);
			/* The kernel's digits: atoi will do. "." and ".." read 0: left alone. */
			n += release_fd(atoi(de->d_name), rl.rlim_cur);
		}
	}
	close(dir);
	return n;
}

void inherited_release(bool keep)
{
	size_t n;

	if (keep) {
		log_debug("keeping the starting directory and inherited fds for restarts");
		return;
	}
	n = release_fds();
	/* The log file and pidfile hold their directories open: a relative path is safe. */
	if (chdir("/") < 0)
		log_warn("cannot leave the starting directory: %m");
	log_debug("closed %zu inherited fd%s", n, n == 1 ? "" : "s");
}
