// SPDX-License-Identifier: MIT
/*
 * Distrusted: every name another user could plant or swap. Every step that could be fooled
 * by a path works on a checked directory fd instead: openat with O_NOFOLLOW, fstat of what
 * was opened, bind and connect through /proc/self/fd/N/name.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/rundir.h"

/* Records why a call failed; errno is kept for the caller. */
__attribute__((format(printf, 3, 4))) static int fail(struct rundir *rd, int err, const char *fmt,
						      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rd->error, sizeof(rd->error), fmt, ap);
	va_end(ap);
	errno = err;
	return -1;
}

/* A directory only root or we may write in: what we create there stays ours. */
static bool safe_parent(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return false;
	return (st.st_uid == 0 || st.st_uid == geteuid()) && (st.st_mode & 022) == 0;
}

bool rundir_safe_entry(int fd, const char *name)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || (st.st_uid != 0 && st.st_uid != geteuid()))
		return false;
	if ((st.st_mode & 022) == 0)
		return true;
	return (st.st_mode & S_ISVTX) && fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       (st.st_uid == 0 || st.st_uid == geteuid());
}

int rundir_walk(const char *path, size_t len, bool create, struct rundir_walk *w)
{
	char comp[NAME_MAX + 1];
	const char *p = path, *end;
	int fd, next;

	*w = (struct rundir_walk){WALK_OPEN, path + 1, path + 1};
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	while (fd >= 0 && p < path + len) {
		while (p < path + len && *p == '/')
			p++;
		end = memchr(p, '/', (size_t)(path + len - p));
		if (end == NULL)
			end = path + len;
		if (end == p)
			break;
		*w = (struct rundir_walk){WALK_LONG, p, end};
		if ((size_t)(end - p) > NAME_MAX)
			goto refused;
		memcpy(comp, p, (size_t)(end - p));
		comp[end - p] = '\0';
		w->stop = WALK_SHARED;
		if (!rundir_safe_entry(fd, comp))
			goto refused;
		next = openat(fd, comp, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create) {
			w->stop = WALK_MISSING;
			if (!safe_parent(fd))
				goto refused;
			w->stop = WALK_MKDIR;
			if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST)
				goto refused;
			next = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		w->stop = WALK_OPEN;
		close(fd);
		fd = next;
		p = end;
	}
	return fd;
refused:
	next = errno;
	close(fd);
	errno = next;
	return -1;
}

/* The parent directory of path (its first len bytes) for the runtime directory. */
static int open_parent(struct rundir *rd, const char *path, size_t len, bool create)
{
	struct rundir_walk w;
	int fd = rundir_walk(path, len, create, &w), err = errno;
	int upto = (int)(w.end - path), above = w.name == path + 1 ? 1 : (int)(w.name - path - 1);

	if (fd >= 0)
		return fd;
	switch (w.stop) {
	case WALK_LONG:
		return fail(rd, ENAMETOOLONG, "%s: a name in the path is too long", path);
	case WALK_SHARED:
		return fail(rd, EPERM,
			    "%.*s: another user's or others may write to it, so what is under it "
			    "could be swapped: refused",
			    above, path);
	case WALK_MISSING:
		return fail(rd, EPERM,
			    "%.*s: missing, and its parent may be written by others: not created",
			    upto, path);
	case WALK_MKDIR:
		return fail(rd, err, "cannot create %.*s: %s", upto, path, strerror(err));
	case WALK_OPEN:
		break;
	}
	return fail(rd, err, "cannot open %.*s: %s", upto, path, strerror(err));
}

const char *rundir_default(char *buf, size_t len)
{
	const char *env = getenv("PID1_RUNTIME_DIR");

	/* Given back whole: a copy cut to fit buf could name another directory. */
	if (env != NULL && env[0] == '/')
		return env;
	if (geteuid() == 0)
		strlcpy(buf, RUNDIR_DEFAULT, len);
	else
		snprintf(buf, len, "/tmp/pid1-%u", (unsigned int)geteuid());
	return buf;
}

/* rundir_open (create) and rundir_find: the owner is our euid, or root too with owner_root. */
static int open_checked(struct rundir *rd, const char *path, bool create, bool owner_root)
{
	const char *base;
	struct stat st;
	int parent, fd;
	size_t len = strlen(path);

	rd->fd = -1;
	rd->error[0] = '\0';
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (path[0] != '/' || len >= sizeof(rd->path) || len < 2)
		return fail(rd, EINVAL, "%s: the runtime directory must be an absolute path, not /",
			    path);
	memcpy(rd->path, path, len);
	rd->path[len] = '\0';
	base = strrchr(rd->path, '/') + 1;
	parent = open_parent(rd, rd->path, (size_t)(base - rd->path), create);
	if (parent < 0)
		return -1;
	if (create && mkdirat(parent, base, 0755) < 0 && errno != EEXIST) {
		close(parent);
		return fail(rd, errno, "cannot create %s: %s", rd->path, strerror(errno));
	}
	/* O_DIRECTORY: a FIFO planted under the name fails at once, it is never opened. */
	fd = openat(parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR)) {
		if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
			errno = ELOOP;
		close(parent);
		return fail(rd, errno, "%s: %s: refused", rd->path,
			    errno == ELOOP ? "is a symlink" : "is not a directory");
	}
	if (fd < 0) {
		close(parent);
		return fail(rd, errno, "cannot open %s: %s", rd->path, strerror(errno));
	}
	if (fstat(fd, &st) < 0 || (st.st_uid != geteuid() && !(owner_root && st.st_uid == 0)) ||
	    (st.st_mode & 022) != 0) {
		close(fd);
		close(parent);
		return fail(rd, EPERM, "%s: owned by uid %u or writable by others: refused",
			    rd->path, (unsigned int)st.st_uid);
	}
	/* Clients find the socket by path: where others could swap the directory, not ours. */
	if (!rundir_safe_entry(parent, base)) {
		close(fd);
		close(parent);
		return fail(rd, EPERM, "%s: others may replace it in its parent: refused",
			    rd->path);
	}
	close(parent);
	rd->fd = fd;
	return 0;
}

int rundir_open(struct rundir *rd, const char *path)
{
	return open_checked(rd, path, true, false);
}

int rundir_find(struct rundir *rd, const char *path)
{
	return open_checked(rd, path, false, true);
}

/*
 * bind() or connect() of fd to name in the directory: through /proc, so that the checked
 * directory is the one reached, else (no /proc mounted) by its path when that fits.
 */
static int at_name(struct rundir *rd, int fd, const char *name, bool bind_it)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	const size_t max = sizeof(sun.sun_path);
	int rc, err = ENAMETOOLONG;

	if ((size_t)snprintf(sun.sun_path, max, "/proc/self/fd/%d/%s", rd->fd, name) < max) {
		rc = bind_it ? bind(fd, (struct sockaddr *)&sun, sizeof(sun))
			     : connect(fd, (struct sockaddr *)&sun, sizeof(sun));
		if (rc == 0 || errno != ENOENT)
			return rc;
		err = errno;
	}
	/* errno: the first answer, when the path does not fit. */
	if ((size_t)snprintf(sun.sun_path, max, "%s/%s", rd->path, name) >= max)
		return fail(rd, err, "%s/%s: too long for a socket address", rd->path, name);
	return bind_it ? bind(fd, (struct sockaddr *)&sun, sizeof(sun))
		       : connect(fd, (struct sockaddr *)&sun, sizeof(sun));
}

int rundir_connect(struct rundir *rd, int fd, const char *name)
{
	return at_name(rd, fd, name, false);
}

/* Whether a process still answers on the socket file name (of type). */
static bool answers(struct rundir *rd, const char *name, int type)
{
	bool live;
	int fd;

	fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return true; /* cannot tell: leave it alone */
	live = at_name(rd, fd, name, false) == 0 || errno == EAGAIN || errno == EINPROGRESS ||
	       errno == ENAMETOOLONG;
	close(fd);
	return live;
}

/* Makes room for the socket name: nothing there, or a dead socket that is removed. */
static int clear_name(struct rundir *rd, const char *name, int type)
{
	struct stat st;

	if (fstatat(rd->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT
			   ? 0
			   : fail(rd, errno, "%s/%s: %s", rd->path, name, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return fail(rd, EEXIST, "%s/%s: exists and is not a socket: refused", rd->path,
			    name);
	if (answers(rd, name, type))
		return fail(rd, EADDRINUSE, "%s/%s: another process is listening on it", rd->path,
			    name);
	if (unlinkat(rd->fd, name, 0) < 0 && errno != ENOENT)
		return fail(rd, errno, "cannot remove the stale %s/%s: %s", rd->path, name,
			    strerror(errno));
	return 0;
}

int rundir_bind(struct rundir *rd, const char *name, int type, mode_t mode,
		struct rundir_sock *sock)
{
	struct stat st;
	int fd, rc, err;
	mode_t old;

	sock->fd = -1;
	if (rd->fd < 0)
		return fail(rd, EBADF, "no runtime directory");
	if (name[0] == '\0' || strchr(name, '/') != NULL || strlen(name) >= sizeof(sock->name) ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return fail(rd, EINVAL, "%s: not a plain socket name", name);
	if (clear_name(rd, name, type) < 0)
		return -1;
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fail(rd, errno, "cannot create a socket: %s", strerror(errno));
	/* The file created as mode: umask is per process, and pid1 has one thread. */
	old = umask(~mode & 0777);
	rc = at_name(rd, fd, name, true);
	err = errno;
	umask(old);
	if (rc < 0) {
		close(fd);
		return fail(rd, err, "cannot bind %s/%s: %s", rd->path, name, strerror(err));
	}
	/* Created by bind just now in a directory only we write: this is our file. */
	if (fstatat(rd->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISSOCK(st.st_mode)) {
		close(fd);
		return fail(rd, EIO, "%s/%s: not found after bind", rd->path, name);
	}
	if ((st.st_mode & 07777) != mode)
		(void)fchmodat(rd->fd, name, mode, 0);
	sock->fd = fd;
	strlcpy(sock->name, name, sizeof(sock->name));
	sock->dev = st.st_dev;
	sock->ino = st.st_ino;
	return 0;
}

void rundir_unbind(const struct rundir *rd, struct rundir_sock *sock)
{
	struct stat st;

	if (sock->fd < 0)
		return;
	close(sock->fd);
	sock->fd = -1;
	if (rd->fd >= 0 && fstatat(rd->fd, sock->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_dev == sock->dev && st.st_ino == sock->ino)
		(void)unlinkat(rd->fd, sock->name, 0);
}

void rundir_close(struct rundir *rd)
{
	if (rd->fd >= 0)
		close(rd->fd);
	rd->fd = -1;
}

int rundir_abstract_name(const char *stem, char *buf, size_t len)
{
	struct stat st;

	/* The namespace's own inode: another PID namespace, another name. */
	if (stat("/proc/self/ns/pid", &st) < 0)
		return -1;
	if ((size_t)snprintf(buf, len, "%s-%llu", stem, (unsigned long long)st.st_ino) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* The address of an abstract name: a NUL, then the name without one; its length. */
static socklen_t abstract_addr(struct sockaddr_un *sun, const char *name)
{
	size_t n = strnlen(name, sizeof(sun->sun_path) - 1);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path + 1, name, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

int rundir_abstract_bind(const char *name, int type)
{
	struct sockaddr_un sun;
	socklen_t len = abstract_addr(&sun, name);
	int fd, err;

	fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, len) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

int rundir_abstract_connect(int fd, const char *name)
{
	struct sockaddr_un sun;
	socklen_t len = abstract_addr(&sun, name);

	return connect(fd, (struct sockaddr *)&sun, len);
}
