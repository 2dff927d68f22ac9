// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The pid1 authors
 *
 * The logger: levels, the line format and the three targets (stderr, syslog, a file). How
 * the file is opened and trusted is output/logfile.c's, how a line reaches an fd without waiting
 * output/logsink.c's. A line a target cannot take at once is dropped, counted, and told later.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "output/log.h"
#include "output/logfile.h"
#include "output/logsink.h"

/* One write(2) of at most PIPE_BUF bytes is atomic on a pipe: lines never interleave. */
#define LINE_BYTES PIPE_BUF

enum sink_kind {
	SINK_STDERR,
	SINK_SYSLOG,
	SINK_FILE,
	SINK_COUNT,
};

static struct {
	int level;
	unsigned int targets;
	bool stderr_ready; /* fd 2 examined once, see sink_stderr() */
	bool following;	   /* in follow_file(): its warning must not recurse */
	bool file_refused; /* the log file's name stands for a file refused, see follow_file() */
	bool file_used;	   /* log_file's fds set to -1 by log_open() */
	struct sink sinks[SINK_COUNT];
	char ident[LOG_IDENT_MAX];
	int facility;
	unsigned long dropped;
} lg = {
    .level = LOG_NOTICE,
    .targets = LOG_TARGET_STDERR,
    .sinks = {{.fd = -1}, {.fd = -1}, {.fd = -1}},
    .ident = "pid1",
    .facility = LOG_DAEMON,
};

/* Apart from lg, whose initializer puts it in the binary: this one is 8 KiB of zeros. */
static struct logfile log_file;

/* Examines fd 2 once, at the first line or log_open(). */
static void setup_stderr(void)
{
	lg.stderr_ready = true;
	sink_stderr(&lg.sinks[SINK_STDERR]);
}

static const unsigned int target_bit[SINK_COUNT] = {
    [SINK_STDERR] = LOG_TARGET_STDERR,
    [SINK_SYSLOG] = LOG_TARGET_SYSLOG,
    [SINK_FILE] = LOG_TARGET_FILE,
};

static const char *const level_names[] = {
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

/*
 * Moves the file target to a new file when rotation renamed the old one away. A name that
 * output/logfile.c refuses (a link planted there, say) is said once on every target; lines keep
 * going to the file opened before, which rotation renamed but did not take from us.
 */
static void follow_file(void)
{
	struct sink *s = &lg.sinks[SINK_FILE];

	if (lg.following || s->fd < 0)
		return;
	lg.following = true;
	if (logfile_follow(&log_file) == 0) {
		s->fd = log_file.fd;
		lg.file_refused = false;
	} else if (!lg.file_refused) {
		lg.file_refused = true;
		log_warn("%s; still writing to the file opened before", log_file.why);
	}
	lg.following = false;
}

/*
 * Our own RFC 3164 datagrams instead of syslog(3): glibc's syslog() blocks on a full
 * /dev/log queue, and pid1 must not. A syslog daemon that went away or restarted is
 * reconnected at the next line.
 */
static int put_syslog(const char *buf, size_t len)
{
	struct sink *s = &lg.sinks[SINK_SYSLOG];

	if (!s->connected && sink_connect_syslog(s) < 0)
		return -1;
	if (sink_put(s, buf, len) == 0)
		return 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
		return -1;
	/* A fresh socket: the old one may keep the dead peer's error. */
	sink_close(s);
	return sink_connect_syslog(s) == 0 ? sink_put(s, buf, len) : -1;
}

/* Formats one line for kind into buf (LINE_BYTES + 1 bytes). Returns its length. */
static size_t format_line(char *buf, enum sink_kind kind, int level, const char *msg)
{
	const size_t size = LINE_BYTES + 1;
	struct timespec ts;
	struct tm tm;
	size_t n;
	int r;

	if (kind == SINK_SYSLOG) {
		/*
		 * No timestamp: RFC 3164 has the receiver stamp a message that carries none, and
		 * the local daemon's clock and time zone are the ones its log is read in (rsyslog
		 * and journald use their own by default anyway). pid1 then needs no time zone
		 * code (about 8 KiB of a static binary).
		 */
		r = snprintf(buf, size, "<%d>%s[%d]: %s", (lg.facility & LOG_FACMASK) | level,
			     lg.ident, (int)getpid(), msg);
	} else {
		/* The wall clock, for a timestamp; durations elsewhere use CLOCK_MONOTONIC. */
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		r = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ pid1[%d]: %s: %s\n",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			     tm.tm_sec, (int)(ts.tv_nsec / 1000000), (int)getpid(),
			     level_names[level], msg);
	}
	if (r < 0)
		return 0;
	if ((size_t)r < size)
		return (size_t)r;
	/* Too long: cut, mark the cut, and keep the newline that ends a line. */
	n = LINE_BYTES;
	if (kind != SINK_SYSLOG)
		buf[--n] = '\n';
	memcpy(buf + n - 3, "...", 3);
	return LINE_BYTES;
}

static int send_line(enum sink_kind kind, int level, const char *msg)
{
	char buf[LINE_BYTES + 1];
	size_t len;

	len = format_line(buf, kind, level, msg);
	if (kind == SINK_SYSLOG)
		return put_syslog(buf, len);
	return sink_put(&lg.sinks[kind], buf, len);
}

/* Tells a target how many lines it dropped, before the next line it takes. */
static int send_note(enum sink_kind kind)
{
	struct sink *s = &lg.sinks[kind];
	char note[64];

	if (s->pending == 0)
		return 0;
	snprintf(note, sizeof(note), "%lu log lines dropped", s->pending);
	if (send_line(kind, LOG_WARNING, note) < 0)
		return -1;
	s->pending = 0;
	return 0;
}

/* Hands msg to one target, or counts it as dropped there. */
static void deliver(enum sink_kind kind, int level, const char *msg)
{
	struct sink *s = &lg.sinks[kind];

	/* A closed stderr is no target at all; syslog connects on demand. */
	if (s->fd < 0 && kind != SINK_SYSLOG)
		return;
	if (send_note(kind) == 0 && send_line(kind, level, msg) == 0)
		return;
	s->pending++;
	lg.dropped++;
}

static void LOG_PRINTF(2, 0) vlog(int level, const char *fmt, va_list ap)
{
	int saved = errno;
	enum sink_kind kind;
	char msg[LINE_BYTES];
	char *p;

	if (level > lg.level)
		return;
	if (!lg.stderr_ready)
		setup_stderr();
	errno = saved; /* for %m */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* One event, one line, whatever the message holds. */
	for (p = msg; (p = strpbrk(p, "\r\n")) != NULL; p++)
		*p = ' ';
	if (lg.targets & LOG_TARGET_FILE)
		follow_file();
	for (kind = 0; kind < SINK_COUNT; kind++)
		if (lg.targets & target_bit[kind])
			deliver(kind, level, msg);
	errno = saved;
}

static int clamp_level(int level)
{
	return level < LOG_ERR ? LOG_ERR : level > LOG_DEBUG ? LOG_DEBUG : level;
}

int log_open(const struct log_conf *conf)
{
	log_close();
	lg.level = clamp_level(conf->level);
	lg.targets = conf->targets != 0 ? conf->targets : LOG_TARGET_STDERR;
	/* As in syslog(3): kern cannot come from a user process, it becomes user. */
	lg.facility = conf->facility != 0 ? conf->facility : LOG_USER;
	if (conf->ident[0] != '\0')
		strlcpy(lg.ident, conf->ident, sizeof(lg.ident));
	if (!lg.stderr_ready)
		setup_stderr();
	if (lg.targets & LOG_TARGET_FILE) {
		if (!lg.file_used) {
			log_file.dir_fd = log_file.fd = -1;
			lg.file_used = true;
		}
		if (logfile_open(&log_file, conf->file != NULL ? conf->file : "") < 0) {
			fprintf(stderr, "pid1: %s\n", log_file.why);
			lg.targets &= ~LOG_TARGET_FILE;
			return -1;
		}
		lg.sinks[SINK_FILE].fd = log_file.fd;
		lg.file_refused = false;
	}
	/* No syslog daemon yet is not fatal: lines are dropped until one listens. */
	if ((lg.targets & LOG_TARGET_SYSLOG) && sink_connect_syslog(&lg.sinks[SINK_SYSLOG]) < 0)
		log_warn("cannot connect to %s: %m; syslog lines are dropped until it listens",
			 _PATH_LOG);
	return 0;
}

void log_close(void)
{
	int saved = errno;
	enum sink_kind kind;
	struct sink *s;

	for (kind = 0; kind < SINK_COUNT; kind++) {
		s = &lg.sinks[kind];
		/* A last word about lost lines, where there is still a way to say it. */
		if ((lg.targets & target_bit[kind]) && (s->fd >= 0 || kind == SINK_SYSLOG))
			send_note(kind);
		/* What could not be told stays pending for the next log_open(). */
		sink_close(s);
	}
	if (lg.file_used)
		logfile_close(&log_file);
	lg.stderr_ready = false;
	lg.targets = LOG_TARGET_STDERR;
	errno = saved;
}

void log_reopen(void)
{
	int saved = errno;

	if (lg.targets & LOG_TARGET_FILE)
		follow_file();
	errno = saved;
}

void log_set_level(int level)
{
	lg.level = clamp_level(level);
}

int log_get_level(void)
{
	return lg.level;
}

unsigned long log_dropped(void)
{
	return lg.dropped;
}

int log_level_parse(const char *name)
{
	int level;

	for (level = LOG_ERR; level <= LOG_DEBUG; level++)
		if (strcmp(name, level_names[level]) == 0)
			return level;
	return -1;
}

const char *log_level_name(int level)
{
	if (level < LOG_EMERG || level > LOG_DEBUG)
		return "unknown";
	return level_names[level];
}

#define LOG_FUNCTION(name, level)                                                                  \
	void name(const char *fmt, ...)                                                            \
	{                                                                                          \
		va_list ap;                                                                        \
                                                                                                   \
		va_start(ap, fmt);                                                                 \
		vlog(level, fmt, ap);                                                              \
		va_end(ap);                                                                        \
	}

LOG_FUNCTION(log_err, LOG_ERR)
LOG_FUNCTION(log_warn, LOG_WARNING)
LOG_FUNCTION(log_notice, LOG_NOTICE)
LOG_FUNCTION(log_info, LOG_INFO)
LOG_FUNCTION(log_debug, LOG_DEBUG)
