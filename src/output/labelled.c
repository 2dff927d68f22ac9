// SPDX-License-Identifier: MIT
/*
 * Labelled output: the programs' pipes cut into lines, written to pid1's stdout and stderr
 * (destinations) prefixed or as JSON; its state is the struct outputs its caller holds. It
 * distrusts programs: a pipe may carry any bytes (escaped into valid JSON: core/jsonline.h),
 * never a newline, or never end (a daemon left behind holds it); a stream holds at most
 * STREAM_BUF bytes, in one shared buffer but for what waits. It
 * distrusts pid1's readers: nothing here waits for them (log.h's sinks); one that cannot
 * take more is polled for POLLOUT and pauses the streams writing to it, one gone away drops
 * what comes, counted. A pipe is made only while a spawn's fds are left after it.
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

#include "core/jsonline.h"
#include "core/loop.h"
#include "core/log.h"
#include "output/labelled.h"

#define STREAM_BUF  (16 * OUTPUT_LINE_MAX) /* bytes read from a pipe, not yet labelled */
#define DEST_BUF    (16 * OUTPUT_LINE_MAX) /* labelled lines gathered for one write */
#define PUMP_BUDGET (256 * 1024)	   /* bytes one stream reads per wake-up: fairness */
#define FINISH_MS   5000 /* how long pid1 at exit waits for a reader that takes nothing */

/* Fds left after a program's pipe: its exec-error pipe, a pidfd, the log file reopened... */
#define OUTDEST_SPARE_FDS 4

/* pid1's stdout or stderr, as a destination of labelled lines. */
struct outdest {
	struct outputs *all;
	const char *name; /* "stdout" or "stderr", for the log */
	struct sink sink;
	bool blocked; /* buf[off..len) waits for POLLOUT; the streams to it are paused */
	bool gone;    /* its reader went away: lines are counted, not kept */
	unsigned long long dropped;
	int stage[2];  /* a pipe of pid1's own that lines go through on their way to a pipe */
	size_t staged; /* bytes in stage, whole lines; counted as written once spliced out */
	size_t off, len;
	char buf[]; /* DEST_BUF bytes, untouched until used */
};

/* One pipe: a program's stdout or stderr in one run. */
struct stream {
	int fd; /* pid1's end, non-blocking; -1 once closed */
	struct outdest *dest;
	const struct output *out;
	bool waiting;		 /* paused until its dest drains */
	bool err;		 /* the program's stderr, else its stdout */
	bool mid;		 /* what was written last was a line's piece: the rest is due */
	struct timespec read_at; /* the wall clock at its last read: the time of its lines */
	size_t len;		 /* bytes read and not yet written, in held */
	char *held; /* NULL when len is 0; STREAM_BUF long (cap) while it waits, else len */
	size_t cap;
};

struct output {
	struct outputs *all;
	const char *name;
	int cur;      /* streams[cur] and [cur + 1]: the last run's stdout and stderr */
	int child[2]; /* the ends of those the child takes, until output_spawned(); else -1 */
	struct stream streams[4];
	enum output_mode mode; /* OUTPUT_PREFIX or OUTPUT_JSON */
	bool time;	       /* a prefixed line starts with the time it was read */
	size_t over;	       /* the most bytes a line gains, newline included */
	size_t plen;
	/* Told of the current run's lines, with ctx; else NULL. */
	output_line_fn *watch;
	void *ctx;
	char prefix[]; /* "NAME: ", or for JSON what follows the time up to the stream's name */
};

/* The fixed parts of a JSON line, around the time, the prefix, the stream and the line. */
#define JSON_TIME "{\"time\":\""
#define JSON_LINE "\",\"line\":\""
#define JSON_CUT  "\",\"cut\":true}\n"
#define JSON_END  "\"}\n"

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

static void close_pair(int fds[2])
{
	int i;

	for (i = 0; i < 2; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/* A pipe into fds (both -1) with its ends above 2 (see sink_move_high()), or -1, fds -1. */
static int pipe_high(int fds[2], int flags)
{
	int i;

	if (pipe2(fds, O_CLOEXEC | flags) < 0)
		return -1;
	for (i = 0; i < 2; i++)
		fds[i] = sink_move_high(fds[i]);
	if (fds[0] >= 0 && fds[1] >= 0)
		return 0;
	close_pair(fds);
	return -1;
}

/* Whether n more fds can be opened now: copies of fd are, then closed. */
static bool fds_spare(int fd, size_t n)
{
	int *got = reallocarray(NULL, n, sizeof(*got));
	size_t k;

	for (k = 0; got != NULL && k < n && (got[k] = fcntl(fd, F_DUPFD_CLOEXEC, 0)) >= 0; k++)
		;
	n -= k;
	while (k > 0)
		close(got[--k]);
	free(got);
	return n == 0;
}

/* Drops what d holds, counted, and closes its stage. */
static void discard(struct outdest *d)
{
	close_pair(d->stage);
	d->dropped += d->staged + d->len - d->off;
	d->staged = d->off = d->len = 0;
}

/* The next write: all of buf, or to a pipe whole lines up to PIPE_BUF, taken whole or not. */
static size_t chunk(const struct outdest *d)
{
	const char *p = d->buf + d->off;

	if (!d->sink.fifo || d->len - d->off <= PIPE_BUF)
		return d->len - d->off;
	return (size_t)((const char *)memrchr(p, '\n', PIPE_BUF) - p) + 1;
}

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
 * Writes what d holds; false when d cannot take it all now (it is then blocked). No other
 * writer of a pipe (a raw program, pid1's log) gets inside a line, through the stage too: a
 * page holds whole writes of up to PIPE_BUF, and a splice moves whole pages.
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
			d->all->written += (unsigned long long)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && errno == EAGAIN) {
			if (!d->blocked)
				loop_set_events(d->all->loop, d->sink.fd, POLLOUT);
			d->blocked = true;
			return false;
		} else {
			/* The reader went away (or d failed): count what it would take. */
			if (!d->gone)
				log_warn("cannot write the programs' output to pid1's %s, "
					 "dropping it: %s",
					 d->name, strerror(n < 0 ? errno : EIO));
			d->gone = true;
			discard(d);
		}
	}
	d->off = d->len = 0;
	if (d->blocked)
		loop_set_events(d->all->loop, d->sink.fd, 0);
	d->blocked = false;
	return true;
}

static char *put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

/* Writes s's time at p: worked out once for the lines of one read, and for the same ms. */
static char *put_time(char *p, const struct stream *s)
{
	struct outputs *all = s->out->all;
	const struct timespec *ts = &s->read_at;

	if (all->stamp[0] == '\0' || ts->tv_sec != all->stamp_at.tv_sec ||
	    ts->tv_nsec / 1000000 != all->stamp_at.tv_nsec / 1000000) {
		jsonline_time(all->stamp, ts);
		all->stamp_at = *ts;
	}
	return put(p, all->stamp, JSONLINE_TIME_LEN);
}

/*
 * Writes one JSON line of s into out (OUTPUT_LINE_MAX bytes): line[0..len), or the part that
 * fits escaped, marked as cut when the line goes on. Returns the bytes written; *taken is
 * the bytes of line that went in.
 */
static size_t json_line(char *out, const struct stream *s, const char *line, size_t len, bool cut,
			size_t *taken)
{
	const struct output *o = s->out;
	char *p = out;

	p = put(p, JSON_TIME, strlen(JSON_TIME));
	p = put_time(p, s);
	p = put(p, o->prefix, o->plen);
	p = put(p, s->err ? "stderr" : "stdout", 6);
	p = put(p, JSON_LINE, strlen(JSON_LINE));
	/* A piece of at most 4 bytes is taken whole: some progress, whatever it holds. */
	p += jsonline_string(p, OUTPUT_LINE_MAX - (size_t)(p - out) - strlen(JSON_CUT), line, len,
			     cut && len > 4, taken);
	cut = cut || *taken < len;
	if (cut)
		return (size_t)(put(p, JSON_CUT, strlen(JSON_CUT)) - out);
	return (size_t)(put(p, JSON_END, strlen(JSON_END)) - out);
}

/* Writes one prefixed line of s into out (room enough), with the time if o wants it. */
static size_t prefix_line(char *out, const struct stream *s, const char *line, size_t len)
{
	const struct output *o = s->out;
	size_t n = 0;

	if (o->time) {
		*put_time(out, s) = ' ';
		n = JSONLINE_TIME_LEN + 1;
	}
	return n + output_line_format(out + n, OUTPUT_LINE_MAX - n, o->prefix, o->plen, line, len);
}

/*
 * Adds a line of s (cut: the line goes on after it) to its dest: returns the bytes of line
 * taken, all of them but for a JSON line whose escapes do not fit, or SIZE_MAX when the
 * dest is blocked and cannot take it.
 */
static size_t dest_put(struct stream *s, const char *line, size_t len, bool cut)
{
	struct outdest *d = s->dest;
	const struct output *o = s->out;
	size_t need = o->mode == OUTPUT_JSON ? OUTPUT_LINE_MAX : o->over + len, taken = len;

	if (d->gone) {
		d->dropped += o->over + len;
		return len;
	}
	if (d->blocked || (need > DEST_BUF - d->len && !dest_flush(d)))
		return SIZE_MAX;
	if (o->mode == OUTPUT_JSON)
		d->len += json_line(d->buf + d->len, s, line, len, cut, &taken);
	else
		d->len += prefix_line(d->buf + d->len, s, line, len);
	return taken;
}

/* Logs what could not be written to d, and closes it. */
static void dest_close(struct outdest *d)
{
	discard(d);
	if (d->dropped > 0)
		log_warn("%llu bytes of the programs' output to pid1's %s were dropped", d->dropped,
			 d->name);
	if (d->sink.fd >= 0)
		loop_remove(d->all->loop, d->sink.fd);
	sink_close(&d->sink);
	free(d);
}

/* Moves whole lines (with eof, the last one too) from buf to s's dest while it takes them. */
static bool emit(struct stream *s, char *buf, bool eof)
{
	size_t off = 0, used, linelen, taken, max = OUTPUT_LINE_MAX - s->out->over;
	bool ok = true, cut;

	while ((used = output_line_next(buf + off, s->len - off, max, eof, &linelen)) > 0) {
		/* No newline ends it: the line goes on, unless it is the last at the end. */
		cut = used == linelen && (!eof || s->len - off > linelen);
		taken = dest_put(s, buf + off, linelen, cut);
		ok = taken != SIZE_MAX;
		if (!ok)
			break;
		/* Once, as the line goes out; not a left-behind writer's of a run before. */
		if (s->out->watch != NULL && !s->mid && ((s - s->out->streams) & 2) == s->out->cur)
			s->out->watch(s->out->ctx, buf + off, linelen);
		s->mid = cut || taken < linelen;
		off += taken < linelen ? taken : used;
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
		loop_remove(s->out->all->loop, s->fd);
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
 * Where s's bytes are worked on: the whole buffer it kept while it waited, else the shared
 * one, with the piece of a line s held copied in.
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
 * Keeps what s could not write: a whole buffer while s waits (filled again in place; one
 * given back is kept for the next that waits: no churn), else just those bytes.
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
	p = s->waiting && all->spare != NULL ? all->spare : malloc(s->waiting ? STREAM_BUF : len);
	if (p == all->spare)
		all->spare = NULL;
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

/* Reads s and writes its lines until the pipe is empty, ends, or its dest blocks. */
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
			/* The wall clock, for the lines' time; durations use CLOCK_MONOTONIC. */
			if (s->out->mode == OUTPUT_JSON || s->out->time)
				clock_gettime(CLOCK_REALTIME, &s->read_at);
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
		loop_set_events(s->out->all->loop, s->fd, s->waiting ? 0 : POLLIN);
}

static void on_stream(struct loop *loop, int fd, short revents, void *ctx)
{
	(void)loop;
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

/* A blocked d can take more: once drained, it wakes the streams it paused, in turn. */
static void on_ready(struct loop *loop, int fd, short revents, void *ctx)
{
	struct outdest *d = ctx;
	struct outputs *all = d->all;
	size_t k, n = 4 * all->n;
	struct stream *s;

	(void)loop;
	(void)fd;
	(void)revents;
	if (!dest_flush(d))
		return;
	for (k = 0; k < n && !d->blocked; k++) {
		s = stream_at(all, (4 * all->next_wake + k) % n);
		if (s->waiting && s->dest == d)
			pump(s);
	}
	all->next_wake = (all->next_wake + 1) % all->n;
}

/*
 * Sets pid1's fd 1 and 2 up as destinations, if pid1 was given them: one destination when
 * they are the same file (2>&1), so that a line is never cut by the other's.
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
		*d = (struct outdest){.all = all, .sink.fd = -1, .stage = {-1, -1}};
		d->name = i == 0 ? "stdout" : "stderr";
		sink_inherited(&d->sink, i + 1);
		if (d->sink.fd >= 0 && i == 1 && all->route[0] != NULL &&
		    fstat(STDOUT_FILENO, &a) == 0 && fstat(STDERR_FILENO, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			all->route[1] = all->route[0];
		} else if (d->sink.fd >= 0 &&
			   loop_add(all->loop, d->sink.fd, 0, on_ready, d) == 0) {
			/* Our stage wakes a pipe's reader once a batch, if fds are left for all. */
			if (d->sink.fifo && pipe_high(d->stage, O_NONBLOCK) == 0 &&
			    !fds_spare(d->stage[0], OUTDEST_SPARE_FDS + 2 * 2 * all->n))
				discard(d);
			all->route[i] = d;
			continue;
		}
		sink_close(&d->sink);
		free(d);
	}
}

/* Writes what the pipe of two runs ago holds and closes it: what that run left gets EPIPE. */
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
 * Says that o writes unlabelled for want of a pipe. Short of fds, that happens to many
 * programs at each start: a warning once, then info.
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

/* A fresh pipe for s if a spawn's fds are left: the child's end, or -1 (logged) for none. */
static int stream_open(const struct output *o, struct stream *s, struct outdest *d)
{
	int fds[2] = {-1, -1};

	/* Above 2, so that moving them to 1 and 2 in the child cannot overwrite one. */
	if (pipe_high(fds, 0) < 0)
		goto fail;
	if (!fds_spare(fds[0], OUTDEST_SPARE_FDS)) {
		errno = EMFILE;
		goto fail;
	}
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0 ||
	    loop_add(o->all->loop, fds[0], POLLIN, on_stream, s) < 0)
		goto fail;
	*s = (struct stream){.fd = fds[0], .dest = d, .out = o, .err = s->err};
	return fds[1];
fail:
	unlabelled(o, d, errno);
	close_pair(fds);
	return -1;
}

/* Frees what the outputs share once none is left. */
static void tidy(struct outputs *all)
{
	if (all->n > 0)
		return;
	free(all->list);
	free(all->scratch);
	free(all->spare);
	all->list = NULL;
	all->scratch = all->spare = NULL;
}

/* The JSON prefix of the program called name: what follows the time up to the stream's name. */
static size_t json_prefix(char *out, const char *name)
{
	size_t n = strlen(name), used;
	char *p = out;

	p = put(p, "\",\"program\":\"", 13);
	p += jsonline_string(p, 6 * n, name, n, false, &used);
	return (size_t)(put(p, "\",\"stream\":\"", 12) - out);
}

struct output *output_new(struct outputs *all, const char *name, enum output_mode mode, bool time)
{
	/* Escaped, a byte of the name takes at most 6. */
	size_t size = 6 * strlen(name) + 32, i;
	struct output **list = reallocarray(all->list, all->n + 1, sizeof(struct output *));
	struct output *o = malloc(sizeof(*o) + size);

	if (list != NULL)
		all->list = list;
	if (all->scratch == NULL)
		all->scratch = malloc(STREAM_BUF);
	if (list == NULL || o == NULL || all->scratch == NULL) {
		free(o);
		tidy(all);
		return NULL;
	}
	*o = (struct output){
	    .all = all, .name = name, .child = {-1, -1}, .mode = mode, .time = time};
	if (mode == OUTPUT_JSON) {
		o->plen = json_prefix(o->prefix, name);
		/* With a stream's name, and room for the cut mark whether it comes or not. */
		o->over = strlen(JSON_TIME) + JSONLINE_TIME_LEN + o->plen + 6 + strlen(JSON_LINE) +
			  strlen(JSON_CUT);
	} else {
		o->plen = (size_t)snprintf(o->prefix, size, "%s: ", name);
		o->over = o->plen + 1 + (time ? JSONLINE_TIME_LEN + 1 : 0);
	}
	for (i = 0; i < 4; i++)
		o->streams[i] = (struct stream){.fd = -1, .out = o, .err = i % 2 == 1};
	list[all->n++] = o;
	return o;
}

void output_watch(struct output *o, output_line_fn *fn, void *ctx)
{
	o->watch = fn;
	o->ctx = ctx;
}

void output_free(struct output *o)
{
	struct outputs *all;
	size_t i;

	if (o == NULL)
		return;
	all = o->all;
	for (i = 0; i < 4; i++)
		stream_drop(&o->streams[i]);
	close_pair(o->child);
	for (i = 0; i < all->n && all->list[i] != o; i++)
		;
	if (i < all->n)
		all->list[i] = all->list[--all->n];
	free(o);
	tidy(all);
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
		/* The last run's pipe, read now: at its end its fds are free for the new one. */
		s = &o->streams[o->cur + i];
		if (s->fd >= 0 && !s->waiting)
			pump(s);
		s = &o->streams[gen + i];
		d = o->all->route[i];
		if (s->fd >= 0 || s->len > 0)
			abandon(o, s);
		o->child[i] = d != NULL ? stream_open(o, s, d) : -1;
		*ends[i] = o->child[i] < 0 ? 0 : o->child[i];
	}
	o->cur = gen;
}

void output_spawned(struct output *o)
{
	close_pair(o->child);
}

/* Whether some stream still waits for a dest to drain, or a dest for its reader. */
static bool busy(const struct outputs *all)
{
	size_t k;
	int i;

	for (i = 0; i < 2; i++)
		if (all->route[i] != NULL && all->route[i]->blocked)
			return true;
	for (k = 0; k < 4 * all->n; k++)
		if (stream_at(all, k)->waiting)
			return true;
	return false;
}

void output_finish(struct outputs *all)
{
	unsigned long long seen;
	struct stream *s;
	int64_t deadline;
	int sigs[16];
	size_t k;

	if (!all->opened)
		return;
	all->finishing = true;
	for (k = 0; k < 4 * all->n; k++)
		if (stream_at(all, k)->fd >= 0 && !stream_at(all, k)->waiting)
			pump(stream_at(all, k));
	/* Signals that come now are left unanswered: pid1 is on its way out. */
	seen = all->written;
	deadline = loop_now_ms() + FINISH_MS;
	while (busy(all) && loop_now_ms() < deadline) {
		loop_wait(all->loop, deadline, sigs, sizeof(sigs) / sizeof(sigs[0]));
		if (all->written != seen) {
			seen = all->written;
			deadline = loop_now_ms() + FINISH_MS;
		}
	}
	for (k = 0; k < 4 * all->n; k++) {
		s = stream_at(all, k);
		if (s->dest != NULL)
			s->dest->dropped += stream_drop(s);
	}
	if (all->route[1] != NULL && all->route[1] != all->route[0])
		dest_close(all->route[1]);
	if (all->route[0] != NULL)
		dest_close(all->route[0]);
	all->route[0] = all->route[1] = NULL;
}
