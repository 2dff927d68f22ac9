// SPDX-License-Identifier: MIT
/*
 * Labelled output. It distrusts the programs: a pipe may carry any bytes, never a newline,
 * or never end (a daemon the program left behind holds it); a stream holds at most
 * STREAM_BUF bytes and each line written is at most OUTPUT_LINE_MAX. It distrusts pid1's
 * own readers too: a destination that cannot take more pauses every stream that writes to
 * it (back-pressure) instead of buffering more, and one whose reader went away drops what
 * comes, counted and logged. pid1's stdout and stderr are one per process, as the log's
 * sinks are: their state is file-scope here, with the list of outputs a drained
 * destination wakes.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "linebuf.h"
#include "log.h"
#include "logfile.h"
#include "logsink.h"
#include "loop.h"
#include "output.h"

#define STREAM_BUF  (4 * OUTPUT_LINE_MAX)   /* bytes read from a pipe, not yet labelled */
#define DEST_BUF    (16 * OUTPUT_LINE_MAX)  /* labelled lines gathered for one write */
#define PUMP_BUDGET (256 * 1024)	    /* bytes one stream reads per wake-up: fairness */
#define MAX_OUTPUTS (CONF_MAX_PROGRAMS + 1) /* the program sections and main */

/* pid1's stdout or stderr, as the labelled lines reach it. */
struct dest {
	const char *name;
	struct sink sink;
	bool blocked; /* buf[off..len) waits for POLLOUT; the streams to it are paused */
	bool gone;    /* its reader went away: lines are counted, not kept */
	unsigned long long dropped, written;
	size_t off, len;
	char buf[DEST_BUF];
};

/* One pipe: a program's stdout or stderr in one run. */
struct stream {
	int fd;	      /* pid1's end, non-blocking; -1 once closed */
	int child_fd; /* the child's end until output_spawned(), else -1 */
	struct dest *dest;
	const struct output *out;
	bool waiting; /* paused until its dest drains */
	size_t len;
	char buf[STREAM_BUF];
};

struct output {
	const char *name;
	char prefix[CONF_NAME_MAX + 3];
	size_t plen;
	int cur; /* streams[cur] and [cur + 1]: the last run's stdout and stderr */
	struct stream streams[4];
};

static struct dest dests[2] = {{.name = "stdout"}, {.name = "stderr"}};
static struct dest *route[2]; /* for fd 1 and 2; the same dest when they are the same file */
static bool routed;
static struct output *outputs[MAX_OUTPUTS];
static size_t next_wake; /* where a drained dest starts waking streams: each gets a turn */
static bool finishing;	 /* pid1 exits: a pipe is read once more, up to now, then closed */

static void pump(struct stream *s);

/* The reader of d went away (or d failed otherwise): count what it would have taken. */
static void dest_lost(struct dest *d, int err)
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
 * Writes what d holds; returns false when d cannot take it all now (d is then blocked,
 * polled for POLLOUT). On a pipe every write is whole lines and at most PIPE_BUF, which the
 * kernel takes whole or not at all: no other writer of that pipe gets inside a line.
 */
static bool dest_flush(struct dest *d)
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
			dest_lost(d, n < 0 ? errno : EIO);
		}
	}
	d->off = d->len = 0;
	if (d->blocked)
		loop_set_events(d->sink.fd, 0);
	d->blocked = false;
	return true;
}

/* Adds one labelled line to d; returns false when d is blocked and cannot take it. */
static bool dest_put(struct dest *d, const struct output *o, const char *line, size_t linelen)
{
	size_t n;

	if (d->gone) {
		d->dropped += o->plen + linelen + 1;
		return true;
	}
	if (d->blocked)
		return false;
	n = linebuf_format(d->buf + d->len, sizeof(d->buf) - d->len, o->prefix, o->plen, line,
			   linelen);
	if (n == 0) {
		if (!dest_flush(d))
			return false;
		n = linebuf_format(d->buf, sizeof(d->buf), o->prefix, o->plen, line, linelen);
	}
	d->len += n;
	return true;
}

/* Wakes the streams d paused, each in turn, until d blocks again. */
static void dest_wake(struct dest *d)
{
	struct stream *s;
	size_t i, j;

	for (i = 0; i < MAX_OUTPUTS && !d->blocked; i++) {
		struct output *o = outputs[(next_wake + i) % MAX_OUTPUTS];

		for (j = 0; o != NULL && j < 4 && !d->blocked; j++) {
			s = &o->streams[j];
			if (s->waiting && s->dest == d)
				pump(s);
		}
	}
	next_wake = (next_wake + 1) % MAX_OUTPUTS;
}

static void on_dest(int fd, short revents, void *ctx)
{
	struct dest *d = ctx;

	(void)fd;
	(void)revents;
	if (dest_flush(d))
		dest_wake(d);
}

/* Sets up pid1's stdout and stderr once, when the first program needs them. */
static void dest_setup(void)
{
	struct stat a, b;
	int i;

	if (routed)
		return;
	routed = true;
	for (i = 0; i < 2; i++) {
		dests[i].sink.fd = -1;
		sink_inherited(&dests[i].sink, i + 1);
		if (dests[i].sink.fd < 0)
			continue;
		if (loop_add(dests[i].sink.fd, 0, on_dest, &dests[i]) < 0) {
			sink_close(&dests[i].sink);
			continue;
		}
		route[i] = &dests[i];
	}
	/* One file for both (2>&1): one dest, so that a line is never cut by the other's. */
	if (route[0] != NULL && route[1] != NULL && fstat(STDOUT_FILENO, &a) == 0 &&
	    fstat(STDERR_FILENO, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		loop_remove(dests[1].sink.fd);
		sink_close(&dests[1].sink);
		route[1] = route[0];
	}
}

/* Moves whole lines (with eof, the last one too) from s to its dest, while it takes them. */
static bool emit(struct stream *s, bool eof)
{
	const struct output *o = s->out;
	size_t off = 0, used, linelen, max = OUTPUT_LINE_MAX - o->plen - 1;
	bool ok = true;

	while ((used = linebuf_next(s->buf + off, s->len - off, max, eof, &linelen)) > 0) {
		ok = dest_put(s->dest, o, s->buf + off, linelen);
		if (!ok)
			break;
		off += used;
	}
	if (off > 0) {
		memmove(s->buf, s->buf + off, s->len - off);
		s->len -= off;
	}
	return ok;
}

static void stream_close(struct stream *s)
{
	if (s->fd >= 0) {
		loop_remove(s->fd);
		close(s->fd);
	}
	s->fd = -1;
}

/*
 * Reads s and writes its lines until the pipe is empty, its end, the budget, or its dest
 * blocks: then the stream is left out of poll until the dest drains (back-pressure).
 */
static void pump(struct stream *s)
{
	size_t budget = PUMP_BUDGET;
	ssize_t n;

	while (emit(s, s->fd < 0) && s->fd >= 0) {
		if (budget == 0 && !finishing)
			break;
		/* pid1 exits: a writer that never stops (a daemon) must not keep it. */
		n = budget == 0 ? 0 : read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);
		if (n > 0) {
			s->len += (size_t)n;
			budget -= (size_t)n < budget ? (size_t)n : budget;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && errno == EAGAIN && !finishing) {
			break;
		} else {
			/* Its end (or pid1's): what is left is the last line. */
			stream_close(s);
		}
	}
	if (!s->dest->blocked)
		dest_flush(s->dest);
	s->waiting = s->dest->blocked && (s->fd >= 0 || s->len > 0);
	if (s->fd >= 0)
		loop_set_events(s->fd, s->waiting ? 0 : POLLIN);
}

static void on_stream(int fd, short revents, void *ctx)
{
	(void)fd;
	(void)revents;
	pump(ctx);
}

/* Drops what s still holds once it can wait no more; returns the bytes dropped. */
static size_t stream_drop(struct stream *s)
{
	size_t lost = s->len;

	stream_close(s);
	s->len = 0;
	s->waiting = false;
	return lost;
}

/*
 * The pipes of two runs ago, still open: a process that run left holds them. They are read
 * once more up to now, then closed; that process then gets EPIPE.
 */
static void abandon(const struct output *o, struct stream *s)
{
	bool was = finishing;
	size_t lost;

	finishing = true;
	pump(s);
	finishing = was;
	if (s->fd >= 0 || s->len > 0) {
		lost = stream_drop(s);
		log_warn("%s: closing an output pipe of an earlier run that a process it left "
			 "still holds%s (%zu bytes dropped)",
			 o->name, lost > 0 ? ", pid1's output being full" : "", lost);
	}
}

/* A fresh pipe for s; returns 0, or -1 (logged) when the child keeps pid1's fd instead. */
static int stream_open(const struct output *o, struct stream *s, struct dest *d)
{
	int fds[2] = {-1, -1}, err;

	if (pipe2(fds, O_CLOEXEC) < 0)
		goto fail;
	/* Above 2, so that moving them to 1 and 2 in the child cannot overwrite one. */
	fds[0] = logfile_move_high(fds[0]);
	fds[1] = logfile_move_high(fds[1]);
	if (fds[0] < 0 || fds[1] < 0 || fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0 ||
	    loop_add(fds[0], POLLIN, on_stream, s) < 0)
		goto fail;
	*s = (struct stream){.fd = fds[0], .child_fd = fds[1], .dest = d, .out = o};
	return 0;
fail:
	err = errno;
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	log_warn("%s writes to pid1's %s unlabelled: cannot make a pipe for it: %s", o->name,
		 d->name, strerror(err));
	return -1;
}

struct output *output_new(const char *name)
{
	struct output *o;
	size_t i, j;

	for (i = 0; i < MAX_OUTPUTS && outputs[i] != NULL; i++)
		;
	if (i == MAX_OUTPUTS || (o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	o->name = name;
	snprintf(o->prefix, sizeof(o->prefix), "%s: ", name);
	o->plen = strlen(o->prefix);
	for (j = 0; j < 4; j++)
		o->streams[j].fd = o->streams[j].child_fd = -1;
	outputs[i] = o;
	return o;
}

void output_free(struct output *o)
{
	size_t i;

	if (o == NULL)
		return;
	for (i = 0; i < MAX_OUTPUTS; i++)
		if (outputs[i] == o)
			outputs[i] = NULL;
	for (i = 0; i < 4; i++) {
		stream_close(&o->streams[i]);
		if (o->streams[i].child_fd >= 0)
			close(o->streams[i].child_fd);
	}
	free(o);
}

void output_open(struct output *o, int *out_fd, int *err_fd)
{
	int *ends[2] = {out_fd, err_fd}, gen = o->cur ^ 2, i;
	struct stream *s;

	dest_setup();
	for (i = 0; i < 2; i++) {
		s = &o->streams[gen + i];
		*ends[i] = 0;
		if (s->fd >= 0 || s->len > 0)
			abandon(o, s);
		if (route[i] != NULL && stream_open(o, s, route[i]) == 0)
			*ends[i] = s->child_fd;
	}
	o->cur = gen;
}

void output_spawned(struct output *o)
{
	int i;

	for (i = o->cur; i < o->cur + 2; i++) {
		if (o->streams[i].child_fd >= 0)
			close(o->streams[i].child_fd);
		o->streams[i].child_fd = -1;
	}
}

/* Whether some stream still waits for a dest to drain, or a dest for its reader. */
static bool busy(void)
{
	size_t i, j;

	for (i = 0; i < 2; i++)
		if (dests[i].blocked)
			return true;
	for (i = 0; i < MAX_OUTPUTS; i++)
		for (j = 0; outputs[i] != NULL && j < 4; j++)
			if (outputs[i]->streams[j].waiting)
				return true;
	return false;
}

static unsigned long long progress(void)
{
	return dests[0].written + dests[1].written;
}

/* Closes every stream and dest, and logs what could not be written. */
static void close_all(void)
{
	size_t i, j;

	for (i = 0; i < MAX_OUTPUTS; i++)
		for (j = 0; outputs[i] != NULL && j < 4; j++)
			if (outputs[i]->streams[j].dest != NULL)
				outputs[i]->streams[j].dest->dropped +=
				    stream_drop(&outputs[i]->streams[j]);
	for (i = 0; i < 2; i++) {
		dests[i].dropped += dests[i].len - dests[i].off;
		if (dests[i].dropped > 0)
			log_warn("%llu bytes of the programs' output to pid1's %s were dropped",
				 dests[i].dropped, dests[i].name);
		if (dests[i].sink.fd >= 0)
			loop_remove(dests[i].sink.fd);
		sink_close(&dests[i].sink);
	}
}

void output_finish(void)
{
	unsigned long long seen;
	int64_t deadline;
	int sigs[16];
	size_t i, j;

	if (!routed)
		return;
	finishing = true;
	for (i = 0; i < MAX_OUTPUTS; i++)
		for (j = 0; outputs[i] != NULL && j < 4; j++)
			if (outputs[i]->streams[j].fd >= 0 && !outputs[i]->streams[j].waiting)
				pump(&outputs[i]->streams[j]);
	/* Signals that come now are left unanswered: pid1 is on its way out. */
	seen = progress();
	deadline = loop_now_ms() + OUTPUT_FINISH_MS;
	while (busy() && loop_now_ms() < deadline) {
		loop_wait(deadline, sigs, sizeof(sigs) / sizeof(sigs[0]));
		if (progress() != seen) {
			seen = progress();
			deadline = loop_now_ms() + OUTPUT_FINISH_MS;
		}
	}
	close_all();
}
