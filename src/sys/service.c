// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The pid1 authors
 *
 * The pidfile's directory may be writable by others (/tmp, a shared /run), so its last
 * component is distrusted: pid1 opens it without following a symbolic link, refuses
 * anything but a regular file with one link, and at exit removes the name only while it
 * still names the file pid1 wrote. The directory path itself is trusted, as the caller's.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vis.h>

#include "sys/service.h"

/* Opening again when the name was swapped between our open and our lock. */
#define PIDFILE_OPEN_TRIES 3
/* Reading the other pid1's pid: it may have the lock but not have written yet. */
#define PIDFILE_READ_TRIES    20
#define PIDFILE_READ_PAUSE_NS (10 * 1000 * 1000)

static void close_pidfile(struct pidfile *pf)
{
	if (pf->fd >= 0)
		close(pf->fd);
	if (pf->dirfd >= 0)
		close(pf->dirfd);
	pf->fd = -1;
	pf->dirfd = -1;
}

int service_refuse(char *out, size_t len, const char *what, const char *path, const char *why)
{
	char *safe = NULL;

	if (stravis(&safe, path, VIS_OCTAL | VIS_CSTYLE | VIS_TAB | VIS_NL | VIS_NOLOCALE) < 0)
		safe = NULL;
	snprintf(out, len, "cannot %s %s: %s", what, safe != NULL ? safe : "?", why);
	free(safe);
	return -1;
}

static int refuse_pidfile(struct pidfile *pf, const char *path, const char *why, char *out,
			  size_t len)
{
	close_pidfile(pf);
	return service_refuse(out, len, "create pidfile", path, why);
}

/* Opens path's directory and keeps the last component in pf->name. */
static int open_dir(struct pidfile *pf, const char *path, char *why, size_t len)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	const char *name = slash != NULL ? slash + 1 : path;

	if (strlcpy(pf->name, name, sizeof(pf->name)) >= sizeof(pf->name) ||
	    strlen(path) >= sizeof(dir)) {
		strlcpy(why, strerror(ENAMETOOLONG), len);
		return -1;
	}
	if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		strlcpy(why, strerror(EISDIR), len);
		return -1;
	}
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == path)
		strcpy(dir, "/");
	else
		strlcpy(dir, path, (size_t)(slash - path) + 1);
	/* O_PATH: searching the directory is all openat needs, as it is all open needs. */
	pf->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pf->dirfd < 0) {
		strlcpy(why, strerror(errno), len);
		return -1;
	}
	return 0;
}

/* True when the name in the directory is, right now, the very file fd is open on. */
static bool name_is(const struct pidfile *pf, int fd)
{
	struct stat held, named;

	return fstat(fd, &held) == 0 &&
	       fstatat(pf->dirfd, pf->name, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
	       held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

/* The pid another pid1 wrote to fd, or -1 when there is none to read. */
static long read_other(int fd)
{
	const struct timespec nap = {0, PIDFILE_READ_PAUSE_NS};
	char buf[24], *end;
	ssize_t n;
	long pid;
	int i;

	/* Between its lock and its write the file is empty: give it a moment. */
	for (i = 0; i < PIDFILE_READ_TRIES; i++) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n > 0) {
			buf[n] = '\0';
			pid = strtol(buf, &end, 10);
			if (end != buf && *end == '\n' && pid > 0)
				return pid;
		}
		nanosleep(&nap, NULL);
	}
	return -1;
}

/* Why flock refused: another pid1 holds the lock (named when it can be), or errno. */
static void locked_why(int fd, char *why, size_t len)
{
	long other;

	if (errno != EWOULDBLOCK) {
		strlcpy(why, strerror(errno), len);
		return;
	}
	other = read_other(fd);
	if (other > 0)
		snprintf(why, len, "pid1 already running as PID %ld", other);
	else
		strlcpy(why, "locked by another process", len);
}

/*
 * One attempt: open the name without following a link, check what it is, lock it. Returns
 * the fd; -1 with the reason in why; -2 when the name was swapped meanwhile (try again).
 * Nothing is written before every check has passed.
 */
static int open_locked(struct pidfile *pf, char *why, size_t len)
{
	struct stat st;
	int fd;

	/*
	 * Read as well: a second pid1 reads the first one's pid. O_NONBLOCK: a FIFO must not
	 * hang pid1 (it is refused below).
	 */
	fd = openat(pf->dirfd, pf->name,
		    O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0644);
	if (fd < 0) {
		/* With O_NOFOLLOW, ELOOP means the name itself is a symbolic link. */
		strlcpy(why, errno == ELOOP ? "it is a symbolic link" : strerror(errno), len);
		return -1;
	}
	if (fstat(fd, &st) < 0)
		strlcpy(why, strerror(errno), len);
	else if (!S_ISREG(st.st_mode))
		strlcpy(why, "it is not a regular file", len);
	else if (st.st_nlink > 1)
		strlcpy(why, "it has more than one link", len);
	else if (st.st_uid != geteuid())
		strlcpy(why, "it is owned by another user", len);
	else if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		locked_why(fd, why, len);
	else if (name_is(pf, fd))
		return fd;
	else
		why[0] = '\0';
	close(fd);
	return why[0] != '\0' ? -1 : -2;
}

int service_pidfile_open(struct pidfile *pf, const char *path, char *out, size_t len)
{
	char why[64], pid[24];
	int fd = -2, i, n;

	if (open_dir(pf, path, why, sizeof(why)) < 0)
		return refuse_pidfile(pf, path, why, out, len);
	for (i = 0; i < PIDFILE_OPEN_TRIES && fd == -2; i++)
		fd = open_locked(pf, why, sizeof(why));
	if (fd == -2)
		strlcpy(why, "it was replaced while being opened", sizeof(why));
	if (fd < 0)
		return refuse_pidfile(pf, path, why, out, len);
	pf->fd = fd;
	/* Locked and checked: only now is a stale pid thrown away. */
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	errno = EIO;
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		strlcpy(why, strerror(errno), sizeof(why));
		service_pidfile_remove(pf);
		return refuse_pidfile(pf, path, why, out, len);
	}
	return 0;
}

void service_pidfile_remove(struct pidfile *pf)
{
	/* Only while the name is still ours: someone may have put another file there. */
	if (pf->fd >= 0 && name_is(pf, pf->fd))
		unlinkat(pf->dirfd, pf->name, 0);
	close_pidfile(pf);
}

/*
 * sd_listen_fds() in the child accepts the fds only when LISTEN_PID is its own pid. A
 * LISTEN_PID naming anyone but pid1 was not meant for us and is left alone, as are
 * LISTEN_FDS, LISTEN_FDNAMES and the fds themselves.
 */
void service_child_env(void)
{
	const char *value = getenv("LISTEN_PID");
	char own[24];
	char *end;
	long pid;

	if (value == NULL)
		return;
	errno = 0;
	pid = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || pid != (long)getppid())
		return;
	snprintf(own, sizeof(own), "%ld", (long)getpid());
	setenv("LISTEN_PID", own, 1);
}
