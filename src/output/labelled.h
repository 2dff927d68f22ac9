/* SPDX-License-Identifier: MIT */
/*
 * `output = prefix`: a program's stdout and stderr go through pipes to pid1, which writes
 * them to its own stdout and stderr a whole line at a time, each line labelled "NAME: ".
 * pid1 never waits for its own readers: when its stdout cannot take more, it stops reading
 * the programs' pipes until it can, and they wait in write() as they would on a terminal.
 */
#ifndef PID1_LABELLED_H
#define PID1_LABELLED_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The most bytes pid1 writes as one line, label and newline included: PIPE_BUF, the most a
 * pipe takes whole. A longer line is cut into lines of this size, each labelled.
 */
#define OUTPUT_LINE_MAX 4096

/* How long pid1, about to exit, waits for a reader of its output that takes nothing. */
#define OUTPUT_FINISH_MS 5000

struct output;
struct outdest;

/* Every program's labelled output and pid1's stdout and stderr they go to; zero at start. */
struct outputs {
	struct output **list; /* what output_new() made and output_free() did not free yet */
	size_t n;
	size_t next_wake;	  /* the output a drained destination wakes first: each in turn */
	struct outdest *route[2]; /* pid1's fd 1 and 2; one destination when 2>&1 */
	bool opened;		  /* some program's output went through pipes */
	bool finishing;		  /* pid1 exits: a pipe is read once more, up to now, then closed */
	bool fds_warned;	  /* running short of fds has been logged as a warning */
	char *scratch;		  /* the one buffer every stream's bytes are cut into lines in */
	char *spare; /* a whole buffer a stream no longer needs, for the next that waits */
};

/* The output of the program called name (which must outlive it); NULL when out of memory. */
struct output *output_new(struct outputs *all, const char *name);

/* Frees o; its pipes must be closed (output_finish). NULL is fine. */
void output_free(struct output *o);

/*
 * Before each spawn: fresh pipes for the program's stdout and stderr. *out_fd and *err_fd
 * get the ends the child takes as fds 1 and 2, or 0 where it keeps pid1's own (pid1's fd is
 * closed, or a pipe could not be made or would take fds the spawn needs: logged). The pipes
 * of the run before stay until whatever holds them closes them (read first, they are closed
 * now if at their end); those of the run before that are closed now.
 */
void output_open(struct output *o, int *out_fd, int *err_fd);

/* After the spawn, whether it worked or not: pid1 lets go of the child's ends. */
void output_spawned(struct output *o);

/*
 * At exit: writes what the programs left in their pipes, then closes them. Waits while the
 * readers of pid1's output take something at least every OUTPUT_FINISH_MS; what is still
 * left then is dropped, and counted in the log.
 */
void output_finish(struct outputs *all);

/*
 * The next line in buf[0..len): returns how many bytes of buf it takes (its newline
 * included), 0 when buf holds no whole line yet; *linelen is its length without the
 * newline. A line longer than max is cut after max bytes, the rest being the next line.
 * With eof, what is left without a newline is a line too.
 */
size_t output_line_next(const char *buf, size_t len, size_t max, bool eof, size_t *linelen);

/*
 * Writes prefix, line and a newline to out (room bytes). Returns the bytes written, or 0
 * (and writes nothing) when they do not fit.
 */
size_t output_line_format(char *out, size_t room, const char *prefix, size_t plen, const char *line,
			  size_t linelen);

#endif
