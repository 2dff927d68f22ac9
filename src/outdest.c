// SPDX-License-Identifier: MIT
/*
 * pid1's stdout and stderr, written for the programs with `output = prefix`. They are given
 * by whoever started pid1 and may be a slow reader, a full pipe shared with others, or a
 * terminal: nothing here waits for them (logsink.c's writes), and when one cannot take
 * more it is polled for POLLOUT while output.c stops reading the programs' pipes. One
 * each per process, like the log's sinks: their state is file-scope.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "linebuf.h"
#include "log.h"
#include "loop.h"
#include "outdest.h"

static struct outdest dests[2] = {{.name = "stdout"}, {.name = "stderr"}};
static struct outdest *route[2]; /* for fd 1 and 2; one dest when they are the same file */
static bool routed;
static outdest_drained *on_drained;

/* The reader of d went away (or d failed otherwise): count what it would have taken. */
static void lost(struct outdest *d, int err)
{
	d->dropped += d->len - d->off;
	d->off = d->len = 0;
	if (!d->gone)
		log_warn("cannot write the programs' output to pid1's %s, dropping it: %s", d->name,
			 strerror(err));
	d->gone = true;
	d->blocked = false;
	loop_set_events(d->sink.fd, 0);
}

/*
 * On a pipe every write is whole lines and at most PIPE_BUF, which the kernel takes whole
 * or not at all: no other writer of that pipe (a raw program, pid1's log) gets inside a
 * line. Each labelled line is at most PIPE_BUF (OUTPUT_LINE_MAX), so one always fits.
 */
bool outdest_flush(struct outdest *d)
{
	size_t chunk;
	ssize_t n;

	while (d->off < d->len) {
		chunk = d->len - d->off;
		if (d->sink.fifo && chunk > PIPE_BUF)
			chunk = (size_t)((const char *)memrchr(d->buf + d->off, '\n', PIPE_BUF) -
					 (d->buf + d->off)) +
				1;
		n = sink_write(&d->sink, d->buf + d->off, chunk);
		if (n > 0) {
			d->off += (size_t)n;
			d->written += (unsigned long long)n;
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
			dests[i].sink.fd = -1;
			sink_inherited(&dests[i].sink, i + 1);
			if (dests[i].sink.fd < 0)
				continue;
			if (loop_add(dests[i].sink.fd, 0, on_ready, &dests[i]) < 0) {
				sink_close(&dests[i].sink);
				continue;
			}
			route[i] = &dests[i];
		}
		if (route[0] != NULL && route[1] != NULL && fstat(STDOUT_FILENO, &a) == 0 &&
		    fstat(STDERR_FILENO, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			loop_remove(dests[1].sink.fd);
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

	for (i = 0; i < 2; i++) {
		dests[i].dropped += dests[i].len - dests[i].off;
		dests[i].off = dests[i].len = 0;
		if (dests[i].dropped > 0)
			log_warn("%llu bytes of the programs' output to pid1's %s were dropped",
				 dests[i].dropped, dests[i].name);
		if (dests[i].sink.fd >= 0)
			loop_remove(dests[i].sink.fd);
		sink_close(&dests[i].sink);
	}
}
