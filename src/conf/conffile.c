// SPDX-License-Identifier: MIT
/*
 * Reading the config file: what it must be before pid1 trusts it, the size limit, and its
 * comments stripped, fast, because a shipped config is mostly comments: libconfuse's own
 * comment handling miscounts lines, and a file with nothing else need not be parsed at all.
 * Knows nothing of keys or values; conf/confparse.c parses the text this returns.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vis.h>

#include "conf/conffile.h"

/* Largest config file read: anything bigger is a mistake, not a config. */
#define CONF_MAX_BYTES (1024 * 1024)
#define CONF_MAX_TEXT  "1 MiB"

/* Returns a printable copy of s (control bytes and non-ASCII as \ooo), or NULL. */
static char *escape(const char *s)
{
	char *out;

	if (stravis(&out, s, VIS_OCTAL | VIS_CSTYLE | VIS_TAB | VIS_NL | VIS_NOLOCALE) < 0)
		return NULL;
	return out;
}

void conffile_error(const char *path, int line, const char *msg)
{
	char *p = escape(path), *m = escape(msg);

	if (line > 0)
		fprintf(stderr, "pid1: %s:%d: %s\n", p ? p : "?", line, m ? m : "?");
	else
		fprintf(stderr, "pid1: %s: %s\n", p ? p : "?", m ? m : "?");
	free(p);
	free(m);
}

/* Prints "cannot open PATH: reason" for errno. */
static void cannot_open(const char *path)
{
	char *esc = escape(path);

	fprintf(stderr, "pid1: cannot open %s: %s\n", esc ? esc : "?", strerror(errno));
	free(esc);
}

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
 * name), as sshd's StrictModes does: whoever can rename entries in one of them can put
 * another file in the config's place. Returns 0, or -1 after printing why, naming path.
 */
static int check_dirs(const char *path, const char *file)
{
	char dir[PATH_MAX], msg[PATH_MAX + 100];
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
			snprintf(msg, sizeof(msg), "%s: %s", dir, strerror(errno));
			conffile_error(path, 0, msg);
			return -1;
		}
		if (!dir_trusted(dir, &st)) {
			snprintf(msg, sizeof(msg),
				 "directory %s must be owned by root and not writable by group or "
				 "others",
				 dir);
			conffile_error(path, 0, msg);
			return -1;
		}
		if (slash == NULL || slash == dir)
			return 0;
	}
}

/*
 * Opens path after checking what it is: a regular file, and as root one that only root can
 * change, in directories only root can change (as sshd's StrictModes): those of its real
 * path, and those of path as given, where a symbolic link could be swapped. The file is
 * opened by its real path, through directories only root can change, and checked once
 * open, so the parser reads the very bytes checked. Returns the fd, or -1 after saying why.
 */
static int open_checked(const char *path)
{
	bool root = geteuid() == 0;
	struct stat st;
	char *real;
	int fd;

	real = realpath(path, NULL);
	if (real == NULL) {
		cannot_open(path);
		return -1;
	}
	if (root && (check_dirs(path, real) < 0 ||
		     (strcmp(path, real) != 0 && check_dirs(path, path) < 0))) {
		free(real);
		return -1;
	}
	/* O_NONBLOCK: opening a FIFO must not hang; it is refused just below. */
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
	free(real);
	if (fd < 0) {
		cannot_open(path);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		conffile_error(path, 0, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		conffile_error(path, 0, "not a regular file");
	} else if (root && (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)) {
		conffile_error(path, 0,
			       "must be owned by root and not writable by group or others");
	} else {
		return fd;
	}
	close(fd);
	return -1;
}

/* Reads all of fd, at most CONF_MAX_BYTES. Returns a buffer to free, or NULL after saying why. */
static char *read_all(const char *path, int fd, size_t *len)
{
	/* One byte more than allowed, to tell a full-sized file from a larger one, and a NUL. */
	char *buf = malloc(CONF_MAX_BYTES + 2);
	ssize_t n;

	if (buf == NULL) {
		conffile_error(path, 0, strerror(errno));
		return NULL;
	}
	*len = 0;
	while (*len <= CONF_MAX_BYTES) {
		n = read(fd, buf + *len, CONF_MAX_BYTES + 1 - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			conffile_error(path, 0, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	if (*len > CONF_MAX_BYTES) {
		conffile_error(path, 0, "larger than " CONF_MAX_TEXT ", not a config file");
		goto fail;
	}
	buf[*len] = '\0';
	return buf;
fail:
	free(buf);
	return NULL;
}

/* Bytes that end an unquoted word in libconfuse's lexer (NUL too: strchr finds the end). */
static bool ends_word(char c)
{
	return strchr(" #\"'\t\n\r={}()+,*", c) != NULL;
}

/* Index just past the string opening at buf[i] ('"' or '\''), as libconfuse scans it. */
static size_t string_end(const char *buf, size_t len, size_t i)
{
	const char *brace;
	char quote = buf[i];

	for (i++; i < len; i++) {
		if (buf[i] == '\\') {
			i++;
		} else if (buf[i] == quote) {
			return i + 1;
		} else if (quote == '"' && buf[i] == '$' && i + 1 < len && buf[i + 1] == '{') {
			/* "${NAME}" is one token to libconfuse even when NAME holds a quote. */
			brace = memchr(buf + i, '}', len - i);
			if (brace != NULL)
				i = (size_t)(brace - buf);
		}
	}
	return len;
}

/*
 * Removes comments in place, keeping their newlines: libconfuse 3.3 counts three lines for
 * each '#' comment, so every line number after one would be wrong. Strings are kept as they
 * are; '//' and '/' '*' begin a comment only where a word could begin, as in libconfuse.
 * A NUL byte in a comment is kept, and what follows it dropped. *blank is cleared when a
 * setting remains. Returns the new length, or -1 with *line set
 * when a '/' '*' comment is not closed.
 */
static ssize_t strip(char *buf, size_t len, int *line, bool *blank)
{
	size_t r = 0, w = 0, end;
	bool in_word = false;
	const char *close;
	int lineno = 1;

	while (r < len) {
		bool slash = !in_word && buf[r] == '/' && r + 1 < len;

		/* A commented file is mostly comments, and newlines and blanks: those first. */
		if (buf[r] == '#' || (slash && buf[r + 1] == '/')) {
			/* One pass for the newline and a NUL byte; buf ends in a NUL. */
			r = (size_t)(strchrnul(buf + r, '\n') - buf);
			if (r < len && buf[r] == '\0') {
				/* Kept for the caller to find, and the rest dropped. */
				buf[w++] = '\0';
				return (ssize_t)w;
			}
			in_word = false;
			continue;
		}
		if (buf[r] == '\n' || buf[r] == ' ' || buf[r] == '\t') {
			lineno += buf[r] == '\n';
			buf[w++] = buf[r++];
			in_word = false;
			continue;
		}
		end = r + 1;
		if (buf[r] == '"' || buf[r] == '\'') {
			end = string_end(buf, len, r);
		} else if (!in_word && buf[r] == '$' && r + 1 < len && buf[r + 1] == '{' &&
			   (close = memchr(buf + r, '}', len - r)) != NULL) {
			end = (size_t)(close - buf) + 1; /* ${NAME} */
		} else if (slash && buf[r + 1] == '*') {
			close = memmem(buf + r + 2, len - r - 2, "*/", 2);
			if (close == NULL) {
				*line = lineno;
				return -1;
			}
			/* A space where the comment was, then its newlines. */
			buf[w++] = ' ';
			for (; buf + r < close; r++) {
				if (buf[r] == '\0')
					buf[w++] = '\0';
				if (buf[r] == '\n') {
					buf[w++] = '\n';
					lineno++;
				}
			}
			r += 2;
			in_word = false;
			continue;
		}
		*blank = false;
		in_word = end == r + 1 && !ends_word(buf[r]);
		for (; r < end; r++) {
			lineno += buf[r] == '\n';
			buf[w++] = buf[r];
		}
	}
	return (ssize_t)w;
}

/* The line number of p in buf. */
static int line_of(const char *buf, const char *p)
{
	int line = 1;

	for (; buf < p; buf++)
		line += *buf == '\n';
	return line;
}

char *conffile_read(const char *path, size_t *len)
{
	bool blank = true;
	char *buf, *nul;
	int fd, line = 0;
	ssize_t n;

	fd = open_checked(path);
	if (fd < 0)
		return NULL;
	buf = read_all(path, fd, len);
	close(fd);
	if (buf == NULL)
		return NULL;
	n = strip(buf, *len, &line, &blank);
	if (n < 0) {
		conffile_error(path, line, "unterminated comment");
		goto fail;
	}
	/*
	 * libconfuse would cut a string short at a NUL byte and carry on. Stripping keeps every
	 * line, and a NUL in a comment stays in the text, so the text alone tells where.
	 */
	nul = memchr(buf, '\0', (size_t)n);
	if (nul != NULL) {
		conffile_error(path, line_of(buf, nul), "NUL byte: not a text file");
		goto fail;
	}
	/* No setting at all: the caller need not parse. */
	*len = blank ? 0 : (size_t)n;
	return buf;
fail:
	free(buf);
	return NULL;
}
