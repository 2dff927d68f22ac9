// SPDX-License-Identifier: MIT
/*
 * Signal names <-> numbers. Accepts "SIGTERM", "TERM", "sigterm", "15", "SIGRTMIN+3",
 * "RTMAX-1". Real-time names count from signal 34, as the kernel's tools, glibc, systemd
 * and Docker do, whatever this C library's SIGRTMIN (musl's is 35): "SIGRTMIN+3" in a
 * config file is signal 37 whichever libc pid1 was built with.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/signame.h"

struct signame {
	const char *name; /* without "SIG" */
	int signo;
};

/* Linux's standard signals; aliases (IOT, POLL, CLD) after the canonical name. */
static const struct signame names[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},	      {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP}, {"ABRT", SIGABRT},     {"BUS", SIGBUS},	 {"FPE", SIGFPE},
    {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT},
    {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},	 {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH},
    {"IO", SIGIO},     {"PWR", SIGPWR},	      {"SYS", SIGSYS},	 {"IOT", SIGIOT},
    {"POLL", SIGPOLL}, {"CLD", SIGCHLD},
};

/* Parses a whole decimal number in [0, 999]; -1 otherwise. */
static int parse_small(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n <= 3 && s[n] == '\0' ? atoi(s) : -1;
}

/* "RTMIN", "RTMIN+3", "RTMAX-2" (case already folded by the caller's strncasecmp). */
static int parse_realtime(const char *s)
{
	int base, off = 0, sign = 1;

	if (strncasecmp(s, "RTMIN", 5) == 0) {
		base = SIGNAME_RTMIN;
	} else if (strncasecmp(s, "RTMAX", 5) == 0) {
		base = SIGRTMAX;
		sign = -1;
	} else {
		return -1;
	}
	s += 5;
	if (*s != '\0') {
		/* Only the direction that stays inside the range is meaningful. */
		if ((sign > 0 && *s != '+') || (sign < 0 && *s != '-'))
			return -1;
		off = parse_small(s + 1);
		if (off < 0)
			return -1;
	}
	base += sign * off;
	return base >= SIGNAME_RTMIN && base <= SIGRTMAX ? base : -1;
}

int signame_parse(const char *s)
{
	size_t i;
	int n;

	if (s == NULL)
		return -1;
	n = parse_small(s);
	if (n >= 0)
		return n >= 1 && n <= SIGRTMAX ? n : -1;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	/* "SIG32" is how signame_name writes a signal with no name: read it back. */
	n = parse_small(s);
	if (n >= 0)
		return n >= 1 && n <= SIGRTMAX ? n : -1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0)
			return names[i].signo;
	return parse_realtime(s);
}

const char *signame_name(int signo, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].signo == signo) {
			snprintf(buf, len, "SIG%s", names[i].name);
			return buf;
		}
	}
	if (signo == SIGNAME_RTMIN)
		snprintf(buf, len, "SIGRTMIN");
	else if (signo > SIGNAME_RTMIN && signo <= SIGRTMAX)
		snprintf(buf, len, "SIGRTMIN+%d", signo - SIGNAME_RTMIN);
	else
		snprintf(buf, len, "SIG%d", signo);
	return buf;
}

bool signame_is_fault(int signo)
{
	return signo >= 1 && signo <= 64 && (SIGNAME_FAULTS & SIGNAME_BIT(signo));
}

bool signame_is_reserved(int signo)
{
	return signo >= 1 && signo <= 64 && (SIGNAME_RESERVED & SIGNAME_BIT(signo));
}
