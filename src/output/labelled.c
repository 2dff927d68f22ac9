// SPDX-License-Identifier: MIT
/*
 * Labelled output. It distrusts the programs: a pipe may carry any bytes, never a newline,
 * or never end (a daemon the program left behind holds it); a stream holds at most
 * STREAM_BUF bytes and each line written is at most OUTPUT_LINE_MAX. It distrusts pid1's
 * own readers too: a destination that cannot take more pauses every stream that writes to
 * it (back-pressure) instead of buffering more, and one whose reader went away drops what
 * comes, counted and logged (output/outdest.c). A pipe is made only while the fds a spawn needs
 * are left after it; else the program writes unlabelled. Streams read into one shared
 * buffer, and keep memory of their own only for what they could not write yet: an idle
 * program costs a few hundred bytes. The list of outputs, which a drained destination goes
 * through to wake the streams it paused, and that shared buffer are file-scope: there is
 * one per process.
 */
#include "config.h"

#include <sys/resource.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "output/linebuf.h"
#include "output/log.h"
#include "core/loop.h"
#include "output/outdest.h"
#include "output/labelled.h"

#define STREAM_BUF  (16 * OUTPUT_LINE_MAX)  /* bytes read from a pipe, not yet labelled */
#define PUMP_BUDGET (256 * 1024)	    /* bytes one stream reads per wake-up: fairness */
#define MAX_OUTPUTS (CONF_MAX_PROGRAMS + 1) /* the program sections and main */

/* One pipe: a program's stdout or stderr in one run. */
struct stream {
	int fd;	      /* pid1's end, non-blocking; -1 once closed */
	int child_fd; /* the child's end until output_spawned(), else -1 */
	struct outdest *dest;
	const struct output *out;
	bool waiting; /* paused until its dest drains */
	size_t len;   /* bytes read and not yet written, in held */
	char *held;   /* NULL when len is 0; STREAM_BUF long (cap) while it waits, else len */
	size_t cap;
};

struct output {
	const char *name;
	char prefix[CONF_NAME_MAX + 3];
	size_t plen;
	int cur; /* streams[cur] and [cur + 1]: the last run's stdout and stderr */
	struct stream streams[4];
};

static struct output *outputs[MAX_OUTPUTS];
static size_t next_wake; /* where a drained dest starts waking streams: each gets a turn */
static bool finishing;	 /* pid1 exits: a pipe is read once more, up to now, then closed */
static bool opened;	 /* some program's output went through pipes */
static bool fds_warned;	 /* running short of fds has been logged as a warning */

/* Where a stream's bytes are cut into lines: untouched, and not resident, until used. */
static char scratch[STREAM_BUF];
/* A whole buffer a stream no longer needs, kept for the next that waits: no churn. */
static char *spare;

static void pump(struct stream *s);

/* Wakes the streams d paused, each in turn, until d blocks again. */
static void dest_wake(struct outdest *d)
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

/*
 * Moves whole lines (with eof, the last one too) from buf, holding s's bytes, to its dest,
 * while it takes them.
 */
static bool emit(struct stream *s, char *buf, bool eof)
{
	const struct output *o = s->out;
	size_t off = 0, used, linelen, max = OUTPUT_LINE_MAX - o->plen - 1;
	bool ok = true;

	while ((used = linebuf_next(buf + off, s->len - off, max, eof, &linelen)) > 0) {
		ok = outdest_put(s->dest, o->prefix, o->plen, buf + off, linelen);
		if (!ok)
			break;
		off += used;
	}
	if (off > 0) {
		memmove(buf, buf + off, s->len - off);
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

/* A whole buffer for a stream that waits, or NULL when out of memory. */
static char *whole_get(void)
{
	char *p = spare;

	spare = NULL;
	return p != NULL ? p : malloc(STREAM_BUF);
}

static void release(struct stream *s)
{
	if (s->cap == STREAM_BUF && spare == NULL)
		spare = s->held;
	else
		free(s->held);
	s->held = NULL;
	s->cap = s->len = 0;
}

/*
 * Where s's bytes are worked on: its own buffer when it kept a whole one (it waited for its
 * dest, and goes on where it stopped), else the shared one, with what s held copied in: a
 * piece of a line, smaller than OUTPUT_LINE_MAX.
 */
static char *load(struct stream *s)
{
	if (s->cap == STREAM_BUF)
		return s->held;
	if (s->len > 0)
		memcpy(scratch, s->held, s->len);
	free(s->held);
	s->held = NULL;
	s->cap = 0;
	return scratch;
}

/*
 * Keeps what s could not write, out of buf: a whole buffer while s waits for its dest
 * (filled again in place when it drains), else just those bytes, so that an idle program
 * costs no more than its last piece of a line.
 */
static void store(struct stream *s, char *buf)
{
	size_t len = s->len;
	char *p;

	if (len == 0) {
		release(s);
		return;
	}
	if (buf == s->held && s->waiting)
		return;
	p = s->waiting ? whole_get() : malloc(len);
	if (p == NULL) {
		/* Out of memory: a whole buffer stays; bytes in the shared one are dropped. */
		if (buf != s->held) {
			outdest_drop(s->dest, len);
			s->len = 0;
		}
		return;
	}
	memcpy(p, buf, len);
	if (buf == s->held)
		release(s);
	s->held = p;
	s->len = len;
	s->cap = s->waiting ? STREAM_BUF : len;
}

/*
 * Reads s and writes its lines until the pipe is empty, its end, the budget, or its dest
 * blocks: then the stream is left out of poll until the dest drains (back-pressure).
 */
static void pump(struct stream *s)
{
	size_t budget = PUMP_BUDGET;
	char *buf = load(s);
	ssize_t n;

	while (emit(s, buf, s->fd < 0) && s->fd >= 0) {
		if (budget == 0 && !finishing)
			break;
		/* pid1 exits: a writer that never stops (a daemon) must not keep it. */
		n = budget == 0 ? 0 : read(s->fd, buf + s->len, STREAM_BUF - s->len);
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
		outdest_flush(s->dest);
	s->waiting = s->dest->blocked && (s->fd >= 0 || s->len > 0);
	store(s, buf);
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
	release(s);
	s->waiting = false;
	return lost;
}

/*
 * The pipes of two runs ago, before their slot is reused: what they hold now is written,
 * then they are closed. Still open, a process that run left holds them: it then gets EPIPE.
 */
static void abandon(const struct output *o, struct stream *s)
{
	bool held;
	size_t lost;

	pump(s);
	held = s->fd >= 0;
	lost = stream_drop(s);
	if (lost > 0)
		outdest_drop(s->dest, lost);
	if (held)
		log_warn("%s: closing the output pipes of an earlier run that a process it left "
			 "still holds (%zu bytes dropped)",
			 o->name, lost);
}

/*
 * Says that o writes to d unlabelled for want of a pipe. Running short of fds is said once
 * as a warning, for every program alike, then once per program start at info level: with
 * a low RLIMIT_NOFILE it happens to many programs, and at each of their restarts.
 */
static void unlabelled(const struct output *o, const struct outdest *d, int err)
{
	struct rlimit rl;

	if (err != EMFILE && err != ENFILE) {
		log_warn("%s writes to pid1's %s unlabelled: cannot make a pipe for it: %s",
			 o->name, d->name, strerror(err));
	} else if (fds_warned) {
		log_info("%s writes to pid1's %s unlabelled: too few file descriptors", o->name,
			 d->name);
	} else {
		fds_warned = true;
		if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
			rl.rlim_cur = RLIM_INFINITY;
		log_warn("too few file descriptors for labelled output (the limit is %llu): %s "
			 "writes to pid1's %s unlabelled, as will any program short of them later",
			 (unsigned long long)rl.rlim_cur, o->name, d->name);
	}
}

/*
 * A fresh pipe for s, made only if the fds a spawn needs are left after it; returns 0, or
 * -1 (logged) when the child keeps pid1's fd instead.
 */
static int stream_open(const struct output *o, struct stream *s, struct outdest *d)
{
	int fds[2] = {-1, -1}, err;

	if (pipe2(fds, O_CLOEXEC) < 0)
		goto fail;
	/* Above 2, so that moving them to 1 and 2 in the child cannot overwrite one. */
	fds[0] = sink_move_high(fds[0]);
	fds[1] = sink_move_high(fds[1]);
	if (fds[0] < 0 || fds[1] < 0)
		goto fail;
	if (!outdest_fds_spare(fds[0])) {
		errno = EMFILE;
		goto fail;
	}
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0 || loop_add(fds[0], POLLIN, on_stream, s) < 0)
		goto fail;
	*s = (struct stream){.fd = fds[0], .child_fd = fds[1], .dest = d, .out = o};
	return 0;
fail:
	err = errno;
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	unlabelled(o, d, err);
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
		stream_drop(&o->streams[i]);
		if (o->streams[i].child_fd >= 0)
			close(o->streams[i].child_fd);
	}
	free(o);
}

void output_open(struct output *o, int *out_fd, int *err_fd)
{
	int *ends[2] = {out_fd, err_fd}, gen = o->cur ^ 2, i;
	struct outdest *d;
	struct stream *s;

	opened = true;
	for (i = 0; i < 2; i++) {
		/*
		 * The last run's pipe, read now: at its end (the run is over and no process
		 * it left holds it) it is closed, and its fds are free for the new one.
		 */
		s = &o->streams[o->cur + i];
		if (s->fd >= 0 && !s->waiting)
			pump(s);
		s = &o->streams[gen + i];
		d = outdest_for(i + 1, dest_wake);
		*ends[i] = 0;
		if (s->fd >= 0 || s->len > 0)
			abandon(o, s);
		if (d != NULL && stream_open(o, s, d) == 0)
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

	if (outdest_blocked())
		return true;
	for (i = 0; i < MAX_OUTPUTS; i++)
		for (j = 0; outputs[i] != NULL && j < 4; j++)
			if (outputs[i]->streams[j].waiting)
				return true;
	return false;
}

/* Closes every stream, counting what it held, then the dests, logging what was dropped. */
static void close_all(void)
{
	struct stream *s;
	size_t i, j;

	for (i = 0; i < MAX_OUTPUTS; i++) {
		for (j = 0; outputs[i] != NULL && j < 4; j++) {
			s = &outputs[i]->streams[j];
			if (s->dest != NULL)
				outdest_drop(s->dest, stream_drop(s));
		}
	}
	free(spare);
	spare = NULL;
	outdest_close();
}

void output_finish(void)
{
	unsigned long long seen;
	int64_t deadline;
	int sigs[16];
	size_t i, j;

	if (!opened)
		return;
	finishing = true;
	for (i = 0; i < MAX_OUTPUTS; i++)
		for (j = 0; outputs[i] != NULL && j < 4; j++)
			if (outputs[i]->streams[j].fd >= 0 && !outputs[i]->streams[j].waiting)
				pump(&outputs[i]->streams[j]);
	/* Signals that come now are left unanswered: pid1 is on its way out. */
	seen = outdest_written();
	deadline = loop_now_ms() + OUTPUT_FINISH_MS;
	while (busy() && loop_now_ms() < deadline) {
		loop_wait(deadline, sigs, sizeof(sigs) / sizeof(sigs[0]));
		if (outdest_written() != seen) {
			seen = outdest_written();
			deadline = loop_now_ms() + OUTPUT_FINISH_MS;
		}
	}
	close_all();
}
