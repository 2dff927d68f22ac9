// SPDX-License-Identifier: MIT
/*
 * Files pid1 reads settings from (see safefile.h). Distrusted: the path, which anyone who
 * can write to one of its directories could replace, and what is at its end, which could be
 * a FIFO that would hold an open or a read for ever. Opened non-blocking, checked once open,
 * so that the bytes read are those of the file checked; read up to a bound.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/safefile.h"

/*
 * True when only root can change what the directory holds: it is root's, and writable by
 * group or others only with the sticky bit, which keeps them from renaming or removing
 * root's entries (/tmp), or on a read-only mount, which nobody can change (Kubernetes
 * mounts a ConfigMap's directory with mode 0777, read-only).
 */
static bool dir_trusted(const char *dir, const struct stat *st)
{
	struct statvfs vfs;

	if (st->st_uid != 0)
		return false;
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) == 0 || (st->st_mode & S_ISVTX) != 0)
		return true;
	return statvfs(dir, &vfs) == 0 && (vfs.f_flag & ST_RDONLY) != 0;
}

/*
 * Checks each directory from file's up to / (or to the working directory for a relative
 * name): whoever can rename entries in one of them can put another file in its place.
 * Returns 0, or -1 with why filled.
 */
static int check_dirs(const char *file, char *why, size_t len)
{
	char dir[PATH_MAX];
	struct stat st;
	char *slash;

	strlcpy(dir, file, sizeof(dir));
	for (;;) {
		slash = strrchr(dir, '/');
		if (slash == NULL)
			strlcpy(dir, ".", sizeof(dir));
		else if (slash == dir)
			dir[1] = '\0'; /* the parent of "/etc" is "/" */
		else
			*slash = '\0';
		if (stat(dir, &st) < 0) {
			snprintf(why, len, "%s: %s", dir, strerror(errno));
			return -1;
		}
		if (!dir_trusted(dir, &st)) {
			snprintf(why, len,
				 "directory %s must be owned by root and not writable by group or "
				 "others",
				 dir);
			errno = EPERM;
			return -1;
		}
		if (slash == NULL || slash == dir)
			return 0;
	}
}

/* Checks what fd is, once open. Returns 0, or -1 with why filled. */
static int check_open(int fd, bool root, char *why, size_t len)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		strlcpy(why, strerror(errno), len);
		return -1;
	}
	errno = EPERM;
	if (!S_ISREG(st.st_mode)) {
		strlcpy(why, "not a regular file", len);
		return -1;
	}
	if (root && (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)) {
		strlcpy(why, "must be owned by root and not writable by group or others", len);
		return -1;
	}
	return 0;
}

/*
 * The checks apply to the directories of the real path, and to those of path as given,
 * where a symbolic link could be swapped; the file is opened by its real path.
 */
int safefile_open(const char *path, char *why, size_t len)
{
	bool root = geteuid() == 0;
	char *real;
	int fd, err;

	real = realpath(path, NULL);
	if (real == NULL) {
		strlcpy(why, strerror(errno), len);
		return -1;
	}
	if (root && (check_dirs(real, why, len) < 0 ||
		     (strcmp(path, real) != 0 && check_dirs(path, why, len) < 0))) {
		err = errno;
		free(real);
		errno = err;
		return -2;
	}
	/* O_NONBLOCK: opening a FIFO must not hang; it is refused just below. */
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
	err = errno;
	free(real);
	if (fd < 0) {
		strlcpy(why, strerror(err), len);
		errno = err;
		return -1;
	}
	if (check_open(fd, root, why, len) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -2;
	}
	return fd;
}

char *safefile_read(int fd, size_t max, size_t *len)
{
	/* One byte more than allowed, to tell a full-sized file from a larger one, and a NUL. */
	char *buf = malloc(max + 2);
	ssize_t n;

	if (buf == NULL)
		return NULL;
	*len = 0;
	while (*len <= max) {
		n = read(fd, buf + *len, max + 1 - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	if (*len > max) {
		errno = EFBIG;
		goto fail;
	}
	buf[*len] = '\0';
	return buf;
fail:
	n = errno;
	free(buf);
	errno = (int)n;
	return NULL;
}
