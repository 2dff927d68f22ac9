// SPDX-License-Identifier: MIT
/*
 * Labelled output: the programs' pipes, cut into lines, and pid1's stdout and stderr as the
 * destinations of those lines. Its state is a struct outputs its caller holds.
 *
 * It distrusts the programs: a pipe may carry any bytes, never a newline, or never end (a
 * daemon the program left behind holds it); a stream holds at most STREAM_BUF bytes and each
 * line written is at most OUTPUT_LINE_MAX. Streams read into one shared buffer, and keep
 * memory of their own only for what they could not write yet: an idle program costs a few
 * hundred bytes. A pipe is made only while the fds a spawn needs are left after it; else the
 * program writes unlabelled.
 *
 * It distrusts pid1's own readers too, given by whoever started pid1: a slow reader, a full
 * pipe shared with others, a terminal. Nothing here waits for them (log.h's sinks); one that
 * cannot take more is polled for POLLOUT and pauses every stream that writes to it
 * (back-pressure) instead of buffering more; one whose reader went away drops what comes,
 * counted and logged.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/loop.h"
#include "output/log.h"
#include "output/labelled.h"

#define STREAM_BUF  (16 * OUTPUT_LINE_MAX) /* bytes read from a pipe, not yet labelled */
#define DEST_BUF    (16 * OUTPUT_LINE_MAX) /* labelled lines gathered for one write */
#define PUMP_BUDGET (256 * 1024)	   /* bytes one stream reads per wake-up: fairness */

/*
 * Fds that must still be free once a pipe for the programs' output is made: the exec-error
 * pipe the spawn opens next (two), and two for whatever else comes with a start (a pidfd,
 * the log file reopened, a ready pipe). Without them the spawn itself would fail; a
 * program short of them writes unlabelled instead.
 */
#define OUTDEST_SPARE_FDS 4

/* pid1's stdout or stderr, as a destination of labelled lines. */
struct outdest {
	struct outputs *all;
	const char *name; /* "stdout" or "stderr", for the log */
	struct sink sink;
	bool blocked; /* buf[off..len) waits for POLLOUT; the streams to it are paused */
	bool gone;    /* its reader went away: lines are counted, not kept */
	unsigned long long dropped, written;
	int stage[2];  /* a pipe of pid1's own that lines go through on their way to a pipe */
	size_t staged; /* bytes in stage, whole lines; counted in written once spliced out */
	size_t off, len;
	char buf[]; /* DEST_BUF bytes, untouched until used */
};

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
	struct outputs *all;
	const char *name;
	int cur; /* streams[cur] and [cur + 1]: the last run's stdout and stderr */
	struct stream streams[4];
	size_t plen;
	char prefix[]; /* "NAME: " */
};

size_t output_line_next(const char *buf, size_t len, size_t max, bool eof, size_t *linelen)
{
	/* A newline right after max bytes still ends that line: it is not a line of its own. */
	const char *nl = memchr(buf, '\n', len < max + 1 ? len : max + 1);

	if (nl != NULL) {
		*linelen = (size_t)(nl - buf);
		return *linelen + 1;
	}
	*linelen = len > max ? max : len;
	return len > max ? max : eof ? len : 0;
}

size_t output_line_format(char *out, size_t room, const char *prefix, size_t plen, const char *line,
			  size_t linelen)
{
	if (plen + linelen + 1 > room)
		return 0;
	memcpy(out, prefix, plen);
	memcpy(out + plen, line, linelen);
	out[plen + linelen] = '\n';
	return plen + linelen + 1;
}

/* Stream k of all, counting four to an output. */
static struct stream *stream_at(const struct outputs *all, size_t k)
{
	return &all->list[k / 4]->streams[k % 4];
}

/* pid1's stdout (0) and stderr (1), each destination once: NULL for stderr when 2>&1. */
static struct outdest *dest_at(const struct outputs *all, int i)
{
	return i == 1 && all->route[1] == all->route[0] ? NULL : all->route[i];
}

static void close_pair(int fds[2])
{
	int i;

	for (i = 0; i < 2; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/* A pipe with both ends above 2 (see sink_move_high()); -1 with errno and fds -1 if not. */
static int pipe_high(int fds[2], int flags)
{
	int i, err;

	if (pipe2(fds, O_CLOEXEC | flags) < 0) {
		fds[0] = fds[1] = -1;
		return -1;
	}
	for (i = 0; i < 2; i++)
		fds[i] = sink_move_high(fds[i]);
	if (fds[0] >= 0 && fds[1] >= 0)
		return 0;
	err = errno;
	close_pair(fds);
	errno = err;
	return -1;
}

/* Whether n more fds can be opened now: copies of fd are, then closed. */
static bool fds_spare(int fd, size_t n)
{
	int *got = reallocarray(NULL, n, sizeof(*got));
	size_t k;

	if (got == NULL)
		return false;
	for (k = 0; k < n && (got[k] = fcntl(fd, F_DUPFD_CLOEXEC, 0)) >= 0; k++)
		;
	n -= k;
	while (k > 0)
		close(got[--k]);
	free(got);
	return n == 0;
}

static void stage_close(struct outdest *d)
{
	close_pair(d->stage);
	d->dropped += d->staged;
	d->staged = 0;
}

/*
 * A pipe of pid1's own for lines on their way to d, when d is a pipe, so that d's reader
 * wakes once per batch of lines, not once per write; without it they are written to d
 * directly, only slower. Labels matter more than speed: the stage is made only when every
 * program can still have its pipes.
 */
static void stage_open(struct outdest *d)
{
	if (d->sink.fifo && pipe_high(d->stage, O_NONBLOCK) == 0 &&
	    !fds_spare(d->stage[0], OUTDEST_SPARE_FDS + 2 * 2 * d->all->n))
		stage_close(d);
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
 * Writes what d holds; false when d cannot take it all now (it is then blocked). On a pipe
 * every write is whole lines and at most PIPE_BUF: no other writer of that pipe (a raw
 * program, pid1's log) gets inside a line. They go into the stage, and one splice() moves
 * the stage's pages to d. Each page holds whole writes (the kernel appends a write of at
 * most PIPE_BUF to the last page only when all of it fits) and a splice moves whole pages,
 * stopping at one when d is full: lines still never mix.
 */
static bool dest_flush(struct outdest *d)
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

/* Adds a labelled line to d; false when d is blocked and cannot take it. */
static bool dest_put(struct outdest *d, const struct output *o, const char *line, size_t len)
{
	size_t n;

	if (d->gone) {
		d->dropped += o->plen + len + 1;
		return true;
	}
	if (d->blocked)
		return false;
	n = output_line_format(d->buf + d->len, DEST_BUF - d->len, o->prefix, o->plen, line, len);
	if (n == 0) {
		if (!dest_flush(d))
			return false;
		n = output_line_format(d->buf, DEST_BUF, o->prefix, o->plen, line, len);
	}
	d->len += n;
	return true;
}

/* Logs what could not be written to d, and closes it. */
static void dest_close(struct outdest *d)
{
	d->dropped += d->len - d->off;
	stage_close(d);
	if (d->dropped > 0)
		log_warn("%llu bytes of the programs' output to pid1's %s were dropped", d->dropped,
			 d->name);
	if (d->sink.fd >= 0)
		loop_remove(d->sink.fd);
	sink_close(&d->sink);
	free(d);
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

	while ((used = output_line_next(buf + off, s->len - off, max, eof, &linelen)) > 0) {
		ok = dest_put(s->dest, o, buf + off, linelen);
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

static void release(struct stream *s)
{
	struct outputs *all = s->out->all;

	if (s->cap == STREAM_BUF && all->spare == NULL)
		all->spare = s->held;
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
	char *scratch = s->out->all->scratch;

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
 * (filled again in place when it drains; one given back is kept for the next that waits,
 * so a slow reader causes no churn), else just those bytes, so that an idle program costs
 * no more than its last piece of a line.
 */
static void store(struct stream *s, char *buf)
{
	struct outputs *all = s->out->all;
	size_t len = s->len;
	char *p;

	if (len == 0) {
		release(s);
		return;
	}
	if (buf == s->held && s->waiting)
		return;
	if (s->waiting && all->spare != NULL) {
		p = all->spare;
		all->spare = NULL;
	} else {
		p = malloc(s->waiting ? STREAM_BUF : len);
	}
	if (p == NULL) {
		/* Out of memory: a whole buffer stays; bytes in the shared one are dropped. */
		if (buf != s->held) {
			s->dest->dropped += len;
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
	bool finishing = s->out->all->finishing;
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
		dest_flush(s->dest);
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

/* Wakes the streams d paused, each output in turn first, until d blocks again. */
static void dest_wake(struct outdest *d)
{
	struct outputs *all = d->all;
	size_t k, n = 4 * all->n;
	struct stream *s;

	for (k = 0; k < n && !d->blocked; k++) {
		s = stream_at(all, (4 * all->next_wake + k) % n);
		if (s->waiting && s->dest == d)
			pump(s);
	}
	all->next_wake = (all->next_wake + 1) % all->n;
}

static void on_ready(int fd, short revents, void *ctx)
{
	(void)fd;
	(void)revents;
	if (dest_flush(ctx))
		dest_wake(ctx);
}

/*
 * Sets pid1's fd 1 and 2 up as destinations, or leaves out one pid1 was not given. They are
 * one destination when they are the same file (2>&1), so that a line is never cut by the
 * other's.
 */
static void route(struct outputs *all)
{
	struct outdest *d;
	struct stat a, b;
	int i;

	for (i = 0; i < 2; i++) {
		d = malloc(sizeof(*d) + DEST_BUF);
		if (d == NULL)
			continue;
		*d = (struct outdest){.all = all, .name = i == 0 ? "stdout" : "stderr"};
		d->sink.fd = d->stage[0] = d->stage[1] = -1;
		sink_inherited(&d->sink, i + 1);
		if (d->sink.fd >= 0 && i == 1 && all->route[0] != NULL &&
		    fstat(STDOUT_FILENO, &a) == 0 && fstat(STDERR_FILENO, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			sink_close(&d->sink);
			free(d);
			all->route[1] = all->route[0];
		} else if (d->sink.fd >= 0 && loop_add(d->sink.fd, 0, on_ready, d) == 0) {
			stage_open(d);
			all->route[i] = d;
		} else {
			sink_close(&d->sink);
			free(d);
		}
	}
}

/* The pipes of two runs ago, before their slot is reused: what they hold now is written,
 * then they are closed. Still open, a process that run left holds them: it then gets EPIPE.
 */
static void abandon(const struct output *o, struct stream *s)
{
	bool held;
	size_t lost;

	pump(s);
	held = s->fd >= 0;
	lost = stream_drop(s);
	s->dest->dropped += lost;
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
	} else if (o->all->fds_warned) {
		log_info("%s writes to pid1's %s unlabelled: too few file descriptors", o->name,
			 d->name);
	} else {
		o->all->fds_warned = true;
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
	int fds[2];

	/* Above 2, so that moving them to 1 and 2 in the child cannot overwrite one. */
	if (pipe_high(fds, 0) < 0)
		goto fail;
	if (!fds_spare(fds[0], OUTDEST_SPARE_FDS)) {
		errno = EMFILE;
		goto fail;
	}
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0 || loop_add(fds[0], POLLIN, on_stream, s) < 0)
		goto fail;
	*s = (struct stream){.fd = fds[0], .child_fd = fds[1], .dest = d, .out = o};
	return 0;
fail:
	unlabelled(o, d, errno);
	close_pair(fds);
	return -1;
}

struct output *output_new(struct outputs *all, const char *name)
{
	size_t plen = strlen(name) + 2, i;
	struct output **list;
	struct output *o;

	if (all->scratch == NULL && (all->scratch = malloc(STREAM_BUF)) == NULL)
		return NULL;
	list = reallocarray(all->list, all->n + 1, sizeof(*list));
	if (list == NULL)
		return NULL;
	all->list = list;
	o = calloc(1, sizeof(*o) + plen + 1);
	if (o == NULL)
		return NULL;
	o->all = all;
	o->name = name;
	o->plen = plen;
	snprintf(o->prefix, plen + 1, "%s: ", name);
	for (i = 0; i < 4; i++)
		o->streams[i] = (struct stream){.fd = -1, .child_fd = -1, .out = o};
	list[all->n++] = o;
	return o;
}

void output_free(struct output *o)
{
	struct outputs *all;
	size_t i;

	if (o == NULL)
		return;
	all = o->all;
	for (i = 0; i < 4; i++) {
		stream_drop(&o->streams[i]);
		if (o->streams[i].child_fd >= 0)
			close(o->streams[i].child_fd);
	}
	for (i = 0; i < all->n && all->list[i] != o; i++)
		;
	if (i < all->n)
		all->list[i] = all->list[--all->n];
	free(o);
	if (all->n == 0) {
		free(all->list);
		free(all->scratch);
		free(all->spare);
		all->list = NULL;
		all->scratch = all->spare = NULL;
	}
}

void output_open(struct output *o, int *out_fd, int *err_fd)
{
	int *ends[2] = {out_fd, err_fd}, gen = o->cur ^ 2, i;
	struct outdest *d;
	struct stream *s;

	if (!o->all->opened)
		route(o->all);
	o->all->opened = true;
	for (i = 0; i < 2; i++) {
		/*
		 * The last run's pipe, read now: at its end (the run is over and no process
		 * it left holds it) it is closed, and its fds are free for the new one.
		 */
		s = &o->streams[o->cur + i];
		if (s->fd >= 0 && !s->waiting)
			pump(s);
		s = &o->streams[gen + i];
		d = o->all->route[i];
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
static bool busy(const struct outputs *all)
{
	size_t k;
	int i;

	for (i = 0; i < 2; i++)
		if (dest_at(all, i) != NULL && dest_at(all, i)->blocked)
			return true;
	for (k = 0; k < 4 * all->n; k++)
		if (stream_at(all, k)->waiting)
			return true;
	return false;
}

/* Bytes written so far: how pid1 at exit sees its readers still take something. */
static unsigned long long written(const struct outputs *all)
{
	unsigned long long sum = 0;
	int i;

	for (i = 0; i < 2; i++)
		if (dest_at(all, i) != NULL)
			sum += dest_at(all, i)->written;
	return sum;
}

void output_finish(struct outputs *all)
{
	unsigned long long seen;
	struct stream *s;
	int64_t deadline;
	int sigs[16], i;
	size_t k;

	if (!all->opened)
		return;
	all->finishing = true;
	for (k = 0; k < 4 * all->n; k++)
		if (stream_at(all, k)->fd >= 0 && !stream_at(all, k)->waiting)
			pump(stream_at(all, k));
	/* Signals that come now are left unanswered: pid1 is on its way out. */
	seen = written(all);
	deadline = loop_now_ms() + OUTPUT_FINISH_MS;
	while (busy(all) && loop_now_ms() < deadline) {
		loop_wait(deadline, sigs, sizeof(sigs) / sizeof(sigs[0]));
		if (written(all) != seen) {
			seen = written(all);
			deadline = loop_now_ms() + OUTPUT_FINISH_MS;
		}
	}
	/* Every stream's bytes left are counted as its dest's drops, then the dests close. */
	for (k = 0; k < 4 * all->n; k++) {
		s = stream_at(all, k);
		if (s->dest != NULL)
			s->dest->dropped += stream_drop(s);
	}
	for (i = 0; i < 2; i++)
		if (dest_at(all, i) != NULL)
			dest_close(dest_at(all, i));
	all->route[0] = all->route[1] = NULL;
}
