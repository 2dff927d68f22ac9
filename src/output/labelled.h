/* SPDX-License-Identifier: MIT */
/*
 * `output = prefix` and `json`: a program's stdout and stderr go through pipes to pid1, which
 * writes them to its own stdout and stderr a whole line at a time, each line labelled
 * "NAME: " (after the time it was read, with output-time), or as one JSON object.
 * pid1 never waits for its own readers: when its stdout cannot take more, it stops reading
 * the programs' pipes until it can, and they wait in write() as they would on a terminal.
 */
#ifndef PID1_LABELLED_H
#define PID1_LABELLED_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "conf/conf.h"
#include "core/jsonline.h"

/* The longest line written, label and newline included: PIPE_BUF, what a pipe takes whole. */
#define OUTPUT_LINE_MAX 4096

struct output;
struct outdest;
struct loop;

/*
 * Every program's labelled output and pid1's stdout and stderr they go to; zero at start
 * but for the loop their pipes are polled in.
 */
struct outputs {
	struct loop *loop;
	struct output **list; /* what output_new() made and output_free() did not free yet */
	size_t n;
	size_t next_wake;	    /* the output a drained destination wakes first: each in turn */
	struct outdest *route[2];   /* pid1's fd 1 and 2; one destination when 2>&1 */
	unsigned long long written; /* bytes they took: at exit, whether their readers go on */
	bool opened;		    /* some program's output went through pipes */
	bool finishing;	 /* pid1 exits: a pipe is read once more, up to now, then closed */
	bool fds_warned; /* running short of fds has been logged as a warning */
	char *scratch;	 /* the one buffer every stream's bytes are cut into lines in */
	char *spare;	 /* a whole buffer a stream no longer needs, for the next that waits */
	struct timespec stamp_at; /* the time last written out as stamp: a read's lines share it */
	char stamp[JSONLINE_TIME_LEN]; /* RFC 3339, no NUL; zeros until the first */
};

/*
 * The output of the program called name (which must outlive it), in mode OUTPUT_PREFIX
 * (time: each line starts with the time pid1 read it) or OUTPUT_JSON; NULL when out of memory.
 */
struct output *output_new(struct outputs *all, const char *name, enum output_mode mode, bool time);
/*
 * Called with each whole line of o's current run as it is written out, stdout's and
 * stderr's, without its newline (a line cut for length: its first piece only); line[len] is
 * not a NUL. A run's lines come after the output_open() of its spawn.
 */
typedef void output_line_fn(void *ctx, const char *line, size_t len);
/* Has fn (NULL: none) called with ctx for o's lines from now on. */
void output_watch(struct output *o, output_line_fn *fn, void *ctx);
/* Frees o; its pipes must be closed (output_finish). NULL is fine. */
void output_free(struct output *o);

/*
 * Before each spawn: *out_fd and *err_fd get the ends of fresh pipes the child takes as fds 1
 * and 2, or 0 where it keeps pid1's own (closed, or no pipe could be made: logged). The last
 * run's pipes stay until what holds them closes them; the run's before are closed now.
 */
void output_open(struct output *o, int *out_fd, int *err_fd);
/* After the spawn, whether it worked or not: pid1 lets go of the child's ends. */
void output_spawned(struct output *o);

/*
 * At exit: writes what the programs left in their pipes, while pid1's readers take something
 * at least every 5 s; then drops the rest, counted in the log, and closes all.
 */
void output_finish(struct outputs *all);

/*
 * The next line in buf[0..len): the bytes it takes (its newline included), or 0 when buf
 * holds no whole line yet; *linelen is its length without the newline. A line longer than
 * max is cut after max bytes. With eof, what is left without a newline is a line too.
 */
size_t output_line_next(const char *buf, size_t len, size_t max, bool eof, size_t *linelen);
/* Writes prefix, line and a newline to out: the bytes written, or 0 if room is too small. */
size_t output_line_format(char *out, size_t room, const char *prefix, size_t plen, const char *line,
			  size_t linelen);

#endif
