// SPDX-License-Identifier: MIT
/* Placeholder: stderr only; the full logger replaces this. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static int level = LOG_NOTICE;

int log_open(const struct log_conf *conf)
{
	level = conf->level;
	return 0;
}
void log_close(void)
{
}
void log_reopen(void)
{
}
void log_set_level(int l)
{
	level = l < LOG_ERR ? LOG_ERR : l > LOG_DEBUG ? LOG_DEBUG : l;
}
int log_get_level(void)
{
	return level;
}
unsigned long log_dropped(void)
{
	return 0;
}
static const char *const names[] = {"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"};
int log_level_parse(const char *name)
{
	int i;
	for (i = LOG_ERR; i <= LOG_DEBUG; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}
const char *log_level_name(int l)
{
	return names[l];
}
static void vlog(int l, const char *fmt, va_list ap)
{
	if (l > level)
		return;
	fprintf(stderr, "pid1[%d]: %s: ", (int)getpid(), names[l]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}
#define LEVEL_FN(fn, l)                                                                            \
	void fn(const char *fmt, ...)                                                              \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		vlog(l, fmt, ap);                                                                  \
		va_end(ap);                                                                        \
	}
LEVEL_FN(log_err, LOG_ERR)
LEVEL_FN(log_warn, LOG_WARNING)
LEVEL_FN(log_notice, LOG_NOTICE)
LEVEL_FN(log_info, LOG_INFO)
LEVEL_FN(log_debug, LOG_DEBUG)
