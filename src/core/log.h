/* SPDX-License-Identifier: MIT */
/*
 * Logging to stderr (also before log_open()), syslog and a file, never to stdout: the
 * application owns it. What a target cannot take at once is dropped and counted. Sinks
 * write an fd without waiting, also pid1's stdout and stderr for labelled output.
 */
#ifndef PID1_LOG_H
#define PID1_LOG_H

#include <sys/types.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

/* Targets, any combination. */
#define LOG_TARGET_STDERR 0x1
#define LOG_TARGET_SYSLOG 0x2
#define LOG_TARGET_FILE	  0x4

#define LOG_IDENT_MAX 32

struct log_conf {
	int level;		   /* syslog level: LOG_ERR .. LOG_DEBUG */
	unsigned int targets;	   /* LOG_TARGET_* bits */
	char *file;		   /* path for LOG_TARGET_FILE, or NULL; owned by the conf */
	char ident[LOG_IDENT_MAX]; /* syslog ident */
	int facility;		   /* syslog facility, e.g. LOG_DAEMON */
	int format;		   /* LOG_FORMAT_*: a line's shape on stderr and in the file */
};

/* How a line looks on stderr and in the file; syslog keeps its own. */
#define LOG_FORMAT_TEXT 0 /* 2026-12-07T23:30:01.123Z pid1[1]: notice: ... */
#define LOG_FORMAT_JSON 1 /* {"time":...,"program":"pid1","level":...,"line":...} */

/* Opens the targets. Returns 0, or -1 after printing why on stderr. */
int log_open(const struct log_conf *conf);
void log_close(void);
/* Sets the level (LOG_ERR .. LOG_DEBUG), clamped to that range. */
void log_set_level(int level);
int log_get_level(void);
/* Lines dropped so far because a target could not take them without blocking. */
unsigned long log_dropped(void);

/* Level names as in syslog: err, warning, notice, info, debug. -1 if unknown. */
int log_level_parse(const char *name);

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))
/* One line at a syslog level on every target, if the level lets it through; %m works. */
void log_msg(int level, const char *fmt, ...) LOG_PRINTF(2, 3);
#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

/*
 * Why pid1 cannot start (a usage or config error, a file it may not use), its last word
 * before it exits: a line at level err like any other, on every target and on stderr too,
 * even where the targets leave it out, so that whoever started pid1 sees why.
 */
void log_fail(const char *fmt, ...) LOG_PRINTF(1, 2);

/* An fd lines go to, and how many lines this log target dropped since it last took one. */
struct sink {
	int fd;		/* -1 when closed or absent */
	bool sock;	/* a socket: send() with MSG_DONTWAIT */
	bool nowait;	/* the child's own pipe or terminal: pwritev2() with RWF_NOWAIT */
	bool owned;	/* opened by pid1, so closed by it */
	bool tty;	/* a terminal: SIGTTOU blocked around each write */
	bool fifo;	/* a pipe: a write of up to PIPE_BUF goes in whole or not at all */
	bool connected; /* the syslog socket reached /dev/log */
	unsigned long pending;
};

/* Sets s up to write fd which (1 or 2) as pid1 was given it, or leaves it closed (fd -1). */
void sink_inherited(struct sink *s, int which);
void sink_close(struct sink *s);
/* One write of buf that does not wait: what went out, or -1 (EAGAIN: nothing fits now). */
ssize_t sink_write(const struct sink *s, const char *buf, size_t len);
/* Moves fd above 2, closing the original: returns the new fd, or -1 (also for fd -1). */
int sink_move_high(int fd);

#endif
