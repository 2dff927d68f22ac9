/* SPDX-License-Identifier: MIT */
/*
 * `output = prefix`: a program's stdout and stderr go through pipes to pid1, which writes
 * them to its own stdout and stderr a whole line at a time, each line labelled "NAME: ".
 * pid1 never waits for its own readers: when its stdout cannot take more, it stops reading
 * the programs' pipes until it can, and they wait in write() as they would on a terminal.
 */
#ifndef PID1_OUTPUT_H
#define PID1_OUTPUT_H

/*
 * The most bytes pid1 writes as one line, label and newline included: PIPE_BUF, the most a
 * pipe takes whole. A longer line is cut into lines of this size, each labelled.
 */
#define OUTPUT_LINE_MAX 4096

/* How long pid1, about to exit, waits for a reader of its output that takes nothing. */
#define OUTPUT_FINISH_MS 5000

struct output;

/* The output of the program called name (which must outlive it); NULL when out of memory. */
struct output *output_new(const char *name);

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
void output_finish(void);

#endif
