// SPDX-License-Identifier: MIT
/*
 * The numbers of the config file as it spells them: signals by name (a section's title or a
 * key's value), exit codes, restart limits, umasks, and plain decimals. Pure functions with
 * no libconfuse; conf/confvalue.c's key table points here for the keys that take a number.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/confnumber.h"
#include "supervisor/restart.h"
#include "core/signame.h"

int confnumber_parse_signal(const char *option, const char *value, long *out, char *err, size_t len)
{
	int signo = signame_parse(value);

	if (signo < 0 || signo > CONF_SIGNAL_MAX) {
		snprintf(err, len, "unknown signal '%s' for option '%s'", value, option);
		return -1;
	}
	*out = signo;
	return 0;
}

/* A signal pid1 can catch, or "none" (0): the parent's death must reach pid1's loop. */
int confnumber_parse_signal_or_none(const char *option, const char *value, long *out, char *err,
				    size_t len)
{
	if (strcmp(value, "none") == 0) {
		*out = 0;
		return 0;
	}
	if (confnumber_parse_signal(option, value, out, err, len) < 0)
		return -1;
	if (signame_is_reserved((int)*out)) {
		snprintf(err, len,
			 "signal '%s' is reserved by the C library and pid1 cannot catch it, for "
			 "option '%s'",
			 value, option);
		return -1;
	}
	return 0;
}

/* A signal that can end a program: SIGSTOP would only pause it until the ladder's SIGCONT. */
int confnumber_parse_stop_signal(const char *option, const char *value, long *out, char *err,
				 size_t len)
{
	if (confnumber_parse_signal(option, value, out, err, len) < 0)
		return -1;
	if (*out == 0 || *out == SIGSTOP) {
		snprintf(err, len, "signal '%s' cannot stop a program, for option '%s'", value,
			 option);
		return -1;
	}
	return 0;
}

/* A whole decimal number 0..max without sign or leading zeros; -1 otherwise. */
long confnumber_decimal(const char *s, long max)
{
	size_t len = strlen(s);
	long n = 0;

	/* Nine digits cannot overflow a long, and every maximum here is shorter. */
	if (len == 0 || len > 9 || (len > 1 && s[0] == '0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (*s - '0');
	}
	return n <= max ? n : -1;
}

int confnumber_exit_code(const char *s)
{
	return (int)confnumber_decimal(s, 255);
}

int confnumber_parse_exit_code(const char *option, const char *value, long *out, char *err,
			       size_t len)
{
	*out = confnumber_exit_code(value);
	if (*out < 0) {
		snprintf(err, len, "exit code must be 0..255, not '%s' for option '%s'", value,
			 option);
		return -1;
	}
	return 0;
}

int confnumber_parse_limit(const char *option, const char *value, long *out, char *err, size_t len)
{
	*out = confnumber_decimal(value, RESTART_LIMIT_MAX);
	if (*out < 1) {
		snprintf(err, len, "limit must be 1..%d, not '%s' for option '%s'",
			 RESTART_LIMIT_MAX, value, option);
		return -1;
	}
	return 0;
}

/* An octal mode 0..777 as umask(1) writes it, or "" (-1) to keep pid1's umask. */
int confnumber_parse_umask(const char *option, const char *value, long *out, char *err, size_t len)
{
	char *end;

	if (value[0] == '\0') {
		*out = -1;
		return 0;
	}
	/* The first byte is checked because strtol would take spaces and a sign. */
	*out = strtol(value, &end, 8);
	if (value[0] < '0' || value[0] > '7' || *end != '\0' || *out > 0777) {
		snprintf(err, len, "umask must be an octal mode 0..777, not '%s' for option '%s'",
			 value, option);
		return -1;
	}
	return 0;
}

int confnumber_signal(const char *title)
{
	int signo = signame_parse(title);

	return signo <= CONF_SIGNAL_MAX ? signo : -1;
}

const char *confnumber_unmappable(int signo)
{
	switch (signo) {
	case SIGKILL:
	case SIGSTOP:
		return "cannot be caught, so it cannot be mapped";
	case SIGCHLD:
		return "is how pid1 learns that processes exit, so it cannot be mapped";
	default:
		if (signame_is_fault(signo))
			return "reports a fault in pid1 itself and is not caught, so it cannot be "
			       "mapped";
		if (signame_is_reserved(signo))
			return "is reserved by the C library and cannot be caught, so it cannot "
			       "be mapped";
		return NULL;
	}
}
