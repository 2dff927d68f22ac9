// SPDX-License-Identifier: MIT
/*
 * Letting go of what pid1 was given but does not use. Once the child runs, pid1's own
 * starting directory would keep a mount busy, and its copy of an inherited fd would keep a
 * pipe open after the child closed it (no EOF for the reader) or a socket bound after the
 * child let it go. pid1 changes to / and closes every inherited fd above 2. Its own fds are
 * all close-on-exec; exec closed any close-on-exec fd of whoever started pid1; so the fds
 * without FD_CLOEXEC are exactly the inherited ones. A program without a workdir keeps the
 * starting directory's path, so that a later start on request starts where it first did.
 * Distrusted: what the programs and strangers did to the sockets pid1 shares with them. A
 * program may turn SO_LINGER on for one and leave data unsent to a peer that never reads; or
 * anyone who reaches a unix socket may queue such a socket in flight on it (SCM_RIGHTS). The
 * last close then waits out the linger, and pid1's close is the last once the programs let
 * go: a socket is let go through a throw-away process that holds it meanwhile (core/fdsink.c),
 * untouched, so a program that shares it keeps its options. (A FUSE file's flush could wait
 * on its daemon too; pid1 is not handed such files by the runtimes it serves.)
 */
#include "config.h"

#include <sys/resource.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fdsink.h"
#include "core/inherited.h"
#include "output/log.h"

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

/* The fd an entry of /proc/self/fd names; "." and ".." read as 0, like stdin: left alone. */
static int fd_named(const char *name)
{
	long long fd = 0;

	for (; *name >= '0' && *name <= '9' && fd <= INT_MAX; name++)
		fd = fd * 10 + (*name - '0');
	return fd <= INT_MAX ? (int)fd : 0;
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
			n += release_fd(fd_named(de->d_name), rl.rlim_cur);
		}
	}
	close(dir);
	return n;
}

/* The directory pid1 started in, once it let go of it. */
static char start_dir[PATH_MAX];

/* Each program without a workdir gets the starting directory's path as its own. */
static void keep_dir(struct pid1_state *st)
{
	size_t i;

	if (getcwd(start_dir, sizeof(start_dir)) == NULL)
		return;
	for (i = 0; i < st->nprograms; i++)
		if (st->programs[i].privs_conf.workdir == NULL)
			st->programs[i].privs_conf.workdir = start_dir;
}

void inherited_release(struct pid1_state *st)
{
	const struct pid1_conf *conf = st->conf;
	size_t n;

	keep_dir(st);

	/* Starting the child again needs the same directory and fds. */
	if (conf->restart.policy != RESTART_NO) {
		log_debug("keeping the starting directory and inherited fds for restarts");
		return;
	}
	n = release_fds();
	/* The log file and pidfile hold their directories open: a relative path is safe. */
	if (chdir("/") < 0)
		log_warn("cannot leave the starting directory: %m");
	log_debug("closed %zu inherited fd%s", n, n == 1 ? "" : "s");
}
