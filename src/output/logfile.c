// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The pid1 authors
 *
 * The log file target. pid1 usually runs as root and its child may not: whoever can write
 * the log's directory could put a symbolic link or a hard link to another file under the
 * log's name, and have pid1 append to it or create it. So the directory is opened once at
 * start and must be writable by pid1's user alone; the file is opened relative to it,
 * never through a symbolic link, and must be pid1's own with a single link. Rotation
 * reopens it under the same rules.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "output/logfile.h"

/*
 * Keeps our fds above 2: when pid1 was started with stderr closed, a file landing on fd 2
 * would otherwise be taken for stderr by anything writing there.
 */
int logfile_move_high(int fd)
{
	int high;

	if (fd < 0 || fd > STDERR_FILENO)
		return fd;
	high = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	close(fd);
	return high;
}

/* Sets why from a format; returns -1 for the caller to return. */
static int __attribute__((format(printf, 2, 3))) refuse(struct logfile *lf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lf->why, sizeof(lf->why), fmt, ap);
	va_end(ap);
	return -1;
}

static int cannot_open(struct logfile *lf)
{
	return refuse(lf, "cannot open log file %s: %s", lf->path, strerror(errno));
}

/* Only pid1's user may create names in the directory: anyone else could plant links. */
static int check_dir(struct logfile *lf, const char *dir, const struct stat *st)
{
	uid_t euid = geteuid();

	if (st->st_uid != euid && st->st_uid != 0)
		return refuse(lf,
			      "log directory %s is owned by uid %u, neither root nor pid1's uid %u",
			      dir, (unsigned int)st->st_uid, (unsigned int)euid);
	/* Sticky or not: the sticky bit stops renames and removals, not new names. */
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return refuse(lf, "log directory %s is writable by group or others", dir);
	return 0;
}

/*
 * Opens the directory part of the path, following symbolic links this once, and keeps it:
 * later renames of the directory, or a link to it pointed elsewhere, do not move the log.
 */
static int open_dir(struct logfile *lf)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(lf->path, '/');
	struct stat st;
	int fd;

	lf->name = slash != NULL ? slash + 1 : lf->path;
	if (slash == NULL)
		strlcpy(dir, ".", sizeof(dir));
	else if (slash == lf->path)
		strlcpy(dir, "/", sizeof(dir));
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - lf->path), lf->path);
	if (lf->name[0] == '\0' || strcmp(lf->name, ".") == 0 || strcmp(lf->name, "..") == 0) {
		errno = EISDIR;
		return cannot_open(lf);
	}
	fd = logfile_move_high(open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (fd < 0)
		return cannot_open(lf);
	if ((fstat(fd, &st) < 0 ? cannot_open(lf) : check_dir(lf, dir, &st)) < 0) {
		close(fd);
		return -1;
	}
	lf->dir_fd = fd;
	return 0;
}

/* What may stand under the log's name: a FIFO may be a reader of pid1's log. */
static int check_type(struct logfile *lf, const struct stat *st)
{
	if (S_ISLNK(st->st_mode))
		return refuse(lf, "log file %s is a symbolic link", lf->path);
	if (!S_ISREG(st->st_mode) && !S_ISFIFO(st->st_mode))
		return refuse(lf, "log file %s is not a regular file or a FIFO", lf->path);
	return 0;
}

/* Checks what fd, opened under the log's name, turned out to be. */
static int check_file(struct logfile *lf, const struct stat *st)
{
	uid_t euid = geteuid();

	if (check_type(lf, st) < 0)
		return -1;
	if (st->st_uid != euid)
		return refuse(lf, "log file %s is owned by uid %u, not by pid1's uid %u", lf->path,
			      (unsigned int)st->st_uid, (unsigned int)euid);
	/* A second name for /etc/shadow, say, would have pid1 write there. */
	if (st->st_nlink != 1)
		return refuse(lf, "log file %s has %lu links, not one", lf->path,
			      (unsigned long)st->st_nlink);
	return 0;
}

/* Opens the file under the directory. On failure the old fd, if any, stays in use. */
static int open_file(struct logfile *lf)
{
	struct stat st;
	int fd;

	/* A device is not even opened; O_NOFOLLOW and fstat() below close the race. */
	if (fstatat(lf->dir_fd, lf->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && check_type(lf, &st) < 0)
		return -1;
	/* O_NONBLOCK is ours to set here: a FIFO named as the log file must not block us. */
	fd = openat(lf->dir_fd, lf->name,
		    O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
		    0640);
	if (fd < 0 && errno == ELOOP)
		return refuse(lf, "log file %s is a symbolic link", lf->path);
	fd = logfile_move_high(fd);
	if (fd < 0)
		return cannot_open(lf);
	/* fstat, not a stat by name: what was opened is what counts. */
	if ((fstat(fd, &st) < 0 ? cannot_open(lf) : check_file(lf, &st)) < 0) {
		close(fd);
		return -1;
	}
	if (lf->fd >= 0)
		close(lf->fd);
	lf->fd = fd;
	lf->dev = st.st_dev;
	lf->ino = st.st_ino;
	return 0;
}

int logfile_open(struct logfile *lf, const char *path)
{
	logfile_close(lf);
	/* A cut path could name another file: refused, with what fits of it. */
	if (strlcpy(lf->path, path, sizeof(lf->path)) >= sizeof(lf->path)) {
		errno = ENAMETOOLONG;
		return cannot_open(lf);
	}
	if (open_dir(lf) < 0 || open_file(lf) < 0) {
		logfile_close(lf);
		return -1;
	}
	return 0;
}

int logfile_follow(struct logfile *lf)
{
	struct stat st;

	if (lf->dir_fd < 0)
		return refuse(lf, "no log file open");
	/* Not following a link even to compare: the name itself must be the file. */
	if (fstatat(lf->dir_fd, lf->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == lf->dev &&
	    st.st_ino == lf->ino)
		return 0;
	return open_file(lf);
}

void logfile_close(struct logfile *lf)
{
	if (lf->fd >= 0)
		close(lf->fd);
	if (lf->dir_fd >= 0)
		close(lf->dir_fd);
	lf->fd = -1;
	lf->dir_fd = -1;
}
