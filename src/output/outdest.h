/* SPDX-License-Identifier: MIT */
/*
 * pid1's own stdout and stderr as destinations of the programs' labelled lines (output/labelled.c):
 * lines gathered into one buffer each, written without ever waiting (to a pipe, through a
 * pipe of pid1's own and splice()), and a destination that cannot take more says so
 * (blocked) and is polled until it drains.
 */
#ifndef PID1_OUTDEST_H
#define PID1_OUTDEST_H

#include <stdbool.h>
#include <stddef.h>

#include "output/log.h"

/* Labelled lines gathered for one write: a batch of up to 16 lines of the longest kind. */
#define OUTDEST_BUF (16 * 4096)

struct outdest {
	const char *name; /* "stdout" or "stderr", for the log */
	struct sink sink;
	bool blocked; /* buf[off..len) waits for POLLOUT; the streams to it are paused */
	bool gone;    /* its reader went away: lines are counted, not kept */
	unsigned long long dropped, written;
	int stage[2];  /* a pipe of pid1's own that lines go through on their way to a pipe */
	size_t staged; /* bytes in stage, whole lines; counted in written once spliced out */
	size_t off, len;
	char buf[OUTDEST_BUF];
};

/*
 * Fds that must still be free once a pipe for the programs' output is made: the exec-error
 * pipe the spawn opens next (two), and two for whatever else comes with a start (a pidfd,
 * the log file reopened, a ready pipe). Without them the spawn itself would fail; a
 * program short of them writes unlabelled instead.
 */
#define OUTDEST_SPARE_FDS 4

/* Called when d, blocked, took all it held: the streams it paused may go on. */
typedef void outdest_drained(struct outdest *d);

/*
 * The destination for pid1's fd 1 or 2 (set up at the first call, with drained as the
 * callback), or NULL when pid1 was not given that fd. Both are the same destination when
 * they are the same file (2>&1), so that a line is never cut by the other's.
 */
struct outdest *outdest_for(int fd, outdest_drained *drained);

/* Adds prefix, line and a newline to d; false when d is blocked and cannot take them. */
bool outdest_put(struct outdest *d, const char *prefix, size_t plen, const char *line,
		 size_t linelen);

/* Writes what d holds; false when d cannot take it all now (it is then blocked). */
bool outdest_flush(struct outdest *d);

/* Whether a destination is blocked. */
bool outdest_blocked(void);

/* Bytes written so far, to both: how pid1 at exit sees its readers still take something. */
unsigned long long outdest_written(void);

/* Adds bytes a stream could not write to d's count of dropped bytes. */
void outdest_drop(struct outdest *d, size_t n);

/* Whether OUTDEST_SPARE_FDS more fds can be opened now: copies of fd are, then closed. */
bool outdest_fds_spare(int fd);

/* Logs what could not be written, and closes both. */
void outdest_close(void);

#endif
