// SPDX-License-Identifier: MIT
/*
 * pid1's stdout and stderr, written for the programs with `output = prefix`. They are given
 * by whoever started pid1 and may be a slow reader, a full pipe shared with others, or a
 * terminal: nothing here waits for them (output/logsink.c's writes), and when one cannot take
 * more it is polled for POLLOUT while output/labelled.c stops reading the programs' pipes. A pipe
 * is written through a pipe of pid1's own (the stage), so that its reader wakes once per
 * batch of lines, not once per write; neither the stage nor output/labelled.c's pipes may take the
 * last fds a spawn needs (outdest_fds_spare). One each per process, like the log's sinks:
 * their state is file-scope.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "output/linebuf.h"
#include "output/log.h"
#include "core/loop.h"
#include "output/outdest.h"

/* Fds left after the stage is made: a spawn's, and two pipes for each program. */
#define STAGE_SPARE_FDS (OUTDEST_SPARE_FDS + 2 * 2 * (CONF_MAX_PROGRAMS + 1))

static struct outdest dests[2];	 /* zero until the first outdest_for(): kept out of .data */
static struct outdest *route[2]; /* for fd 1 and 2; one dest when they are the same file */
static bool routed;
static outdest_drained *on_drained;

static void stage_close(struct outdest *d)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (d->stage[i] >= 0)
			close(d->stage[i]);
		d->stage[i] = -1;
	}
	d->dropped += d->staged;
	d->staged = 0;
}

/* The reader of d went away (or d failed otherwise): count what it would have taken. */
static void lost(struct outdest *d, int err)
{
	d->dropped += d->len - d->off;
	d->off = d->len = 0;
	stage_close(d);
	if (!d->gone)
		log_warn("cannot write the programs' output to pid1's %s, dropping it: %s", d->name,
			 strerror(err));
	d->gone = true;
	d->blocked = false;
	loop_set_events(d->sink.fd, 0);
}

/* Whether n more fds (at most STAGE_SPARE_FDS) can be opened now. */
static bool spare(int fd, int n)
{
	int got[STAGE_SPARE_FDS], k;

	for (k = 0; k < n && (got[k] = fcntl(fd, F_DUPFD_CLOEXEC, 0)) >= 0; k++)
		;
	n -= k;
	while (k > 0)
		close(got[--k]);
	return n == 0;
}

bool outdest_fds_spare(int fd)
{
	return spare(fd, OUTDEST_SPARE_FDS);
}

/*
 * A pipe of pid1's own for lines on their way to d, when d is a pipe; without it (none
 * could be made, or fds are short) they are written to d directly, the same way, only
 * slower. Labels matter more than speed: the stage is made only when every program can
 * still have its pipes.
 */
static void stage_open(struct outdest *d)
{
	int fds[2] = {-1, -1};

	d->stage[0] = d->stage[1] = -1;
	if (!d->sink.fifo || pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return;
	d->stage[0] = sink_move_high(fds[0]);
	d->stage[1] = sink_move_high(fds[1]);
	if (d->stage[0] < 0 || d->stage[1] < 0 || !spare(d->stage[0], STAGE_SPARE_FDS))
		stage_close(d);
}

/*
 * The next write out of buf: all of it, or on a pipe whole lines up to PIPE_BUF, which the
 * kernel takes whole or not at all. Each labelled line is at most PIPE_BUF
 * (OUTPUT_LINE_MAX), so one always fits.
 */
static size_t chunk(const struct outdest *d)
{
	size_t len = d->len - d->off;

	if (d->sink.fifo && len > PIPE_BUF)
		len = (size_t)((const char *)memrchr(d->buf + d->off, '\n', PIPE_BUF) -
			       (d->buf + d->off)) +
		      1;
	return len;
}

/* Writes buf's chunks into the stage until it is full. */
static void stage_fill(struct outdest *d)
{
	ssize_t n;

	while (d->off < d->len) {
		n = write(d->stage[1], d->buf + d->off, chunk(d));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		d->off += (size_t)n;
		d->staged += (size_t)n;
	}
}

/*
 * On a pipe every write is whole lines and at most PIPE_BUF: no other writer of that pipe
 * (a raw program, pid1's log) gets inside a line. Writing them to d one by one would wake
 * d's reader for each; they go into the stage instead, and one splice() moves the stage's
 * pages to d, waking the reader once. Each page holds whole writes (the kernel appends a
 * write of at most PIPE_BUF to the last page only when all of it fits) and a splice moves
 * whole pages, stopping at one when d is full: lines still never mix.
 */
bool outdest_flush(struct outdest *d)
{
	ssize_t n;

	for (;;) {
		if (d->stage[1] >= 0)
			stage_fill(d);
		if (d->staged > 0)
			n = splice(d->stage[0], NULL, d->sink.fd, NULL, d->staged,
				   SPLICE_F_NONBLOCK);
		else if (d->off < d->len)
			n = sink_write(&d->sink, d->buf + d->off, chunk(d));
		else
			break;
		if (n > 0) {
			if (d->staged > 0)
				d->staged -= (size_t)n;
			else
				d->off += (size_t)n;
			d->written += (unsigned long long)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && errno == EAGAIN) {
			if (!d->blocked)
				loop_set_events(d->sink.fd, POLLOUT);
			d->blocked = true;
			return false;
		} else {
			lost(d, n < 0 ? errno : EIO);
		}
	}
	d->off = d->len = 0;
	if (d->blocked)
		loop_set_events(d->sink.fd, 0);
	d->blocked = false;
	return true;
}

bool outdest_put(struct outdest *d, const char *prefix, size_t plen, const char *line,
		 size_t linelen)
{
	size_t n;

	if (d->gone) {
		d->dropped += plen + linelen + 1;
		return true;
	}
	if (d->blocked)
		return false;
	n = linebuf_format(d->buf + d->len, sizeof(d->buf) - d->len, prefix, plen, line, linelen);
	if (n == 0) {
		if (!outdest_flush(d))
			return false;
		n = linebuf_format(d->buf, sizeof(d->buf), prefix, plen, line, linelen);
	}
	d->len += n;
	return true;
}

static void on_ready(int fd, short revents, void *ctx)
{
	struct outdest *d = ctx;

	(void)fd;
	(void)revents;
	if (outdest_flush(d))
		on_drained(d);
}

struct outdest *outdest_for(int fd, outdest_drained *drained)
{
	struct stat a, b;
	int i;

	if (!routed) {
		routed = true;
		on_drained = drained;
		for (i = 0; i < 2; i++) {
			dests[i].name = i == 0 ? "stdout" : "stderr";
			dests[i].sink.fd = -1;
			dests[i].stage[0] = dests[i].stage[1] = -1;
			sink_inherited(&dests[i].sink, i + 1);
			if (dests[i].sink.fd < 0)
				continue;
			if (loop_add(dests[i].sink.fd, 0, on_ready, &dests[i]) < 0) {
				sink_close(&dests[i].sink);
				continue;
			}
			stage_open(&dests[i]);
			route[i] = &dests[i];
		}
		if (route[0] != NULL && route[1] != NULL && fstat(STDOUT_FILENO, &a) == 0 &&
		    fstat(STDERR_FILENO, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			loop_remove(dests[1].sink.fd);
			stage_close(&dests[1]);
			sink_close(&dests[1].sink);
			route[1] = route[0];
		}
	}
	return fd == STDOUT_FILENO || fd == STDERR_FILENO ? route[fd - 1] : NULL;
}

bool outdest_blocked(void)
{
	return dests[0].blocked || dests[1].blocked;
}

unsigned long long outdest_written(void)
{
	return dests[0].written + dests[1].written;
}

void outdest_drop(struct outdest *d, size_t n)
{
	d->dropped += n;
}

void outdest_close(void)
{
	int i;

	if (!routed)
		return;
	for (i = 0; i < 2; i++) {
		dests[i].dropped += dests[i].len - dests[i].off;
		dests[i].off = dests[i].len = 0;
		stage_close(&dests[i]);
		if (dests[i].dropped > 0)
			log_warn("%llu bytes of the programs' output to pid1's %s were dropped",
				 dests[i].dropped, dests[i].name);
		if (dests[i].sink.fd >= 0)
			loop_remove(dests[i].sink.fd);
		sink_close(&dests[i].sink);
	}
}
