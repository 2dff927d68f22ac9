/* SPDX-License-Identifier: MIT */
/*
 * Logging to stderr, syslog and a file, never to stdout (the application owns it).
 * Writes never block the event loop: what cannot be written at once is dropped and counted.
 * Before log_open() messages go to stderr at the default level.
 */
#ifndef PID1_LOG_H
#define PID1_LOG_H

#include <limits.h>
#include <stdbool.h>

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
};

/* Opens the targets. Returns 0, or -1 after printing why on stderr. */
int log_open(const struct log_conf *conf);
void log_close(void);
/*
 * Reopens the file target when its name now stands for another file (logrotate), under
 * the checks of log_open(); done before each line anyway.
 */
void log_reopen(void);
/* Sets the level (LOG_ERR .. LOG_DEBUG), clamped to that range. */
void log_set_level(int level);
int log_get_level(void);
/* Lines dropped so far because a target could not take them without blocking. */
unsigned long log_dropped(void);

/* Level names as in syslog: err, warning, notice, info, debug. -1 if unknown. */
int log_level_parse(const char *name);
const char *log_level_name(int level);

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))
void log_err(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_notice(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
