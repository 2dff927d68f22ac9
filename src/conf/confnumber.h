/* SPDX-License-Identifier: MIT */
/*
 * The numbers of the config file as it spells them: signals, exit codes, limits, umasks.
 * The parsers share confvalue_parse()'s shape: the key's name (for the message), the value,
 * *out, and a one-line message in err (len bytes) when they return -1.
 */
#ifndef PID1_CONFNUMBER_H
#define PID1_CONFNUMBER_H

#include <stddef.h>

/* A signal that may title a section: its number 1..CONF_SIGNAL_MAX, or -1. */
int confnumber_signal(const char *title);

/* An exit code in plain decimal, 0..255 without sign or leading zeros; -1 otherwise. */
int confnumber_exit_code(const char *s);

/* Why a signal cannot have a rule, or NULL when it can. */
const char *confnumber_unmappable(int signo);

/* A whole decimal number 0..max without sign or leading zeros; -1 otherwise. */
long confnumber_decimal(const char *s, long max);

/* A signal by name or number, 1..CONF_SIGNAL_MAX. */
int confnumber_parse_signal(const char *option, const char *value, long *out, char *err,
			    size_t len);
/* A signal pid1 can catch, or "none" (0). */
int confnumber_parse_signal_or_none(const char *option, const char *value, long *out, char *err,
				    size_t len);
/* A signal that can end a program: not SIGSTOP. */
int confnumber_parse_stop_signal(const char *option, const char *value, long *out, char *err,
				 size_t len);
/* An exit code, 0..255. */
int confnumber_parse_exit_code(const char *option, const char *value, long *out, char *err,
			       size_t len);
/* A restart limit, 1..RESTART_LIMIT_MAX. */
int confnumber_parse_limit(const char *option, const char *value, long *out, char *err, size_t len);
/* An octal mode 0..777, or "" (-1) to keep pid1's umask. */
int confnumber_parse_umask(const char *option, const char *value, long *out, char *err, size_t len);

#endif
