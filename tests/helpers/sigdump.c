// SPDX-License-Identifier: MIT
/* sigdump FILE [EXITSIG...]: appends the name of each signal it receives to FILE, one per line,
 * after a first line "ready"; exits 0 on one of EXITSIG (default SIGINT and SIGTERM). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/*
 * Canonical names, as pid1 prints them; real-time ones count from 34, as pid1 and every
 * Linux tool do, whatever this C library's SIGRTMIN (musl's is 35).
 */
#define NAMED_RTMIN 34

static const char *const std_names[] = {
    [SIGHUP] = "HUP",	[SIGINT] = "INT",	[SIGQUIT] = "QUIT", [SIGILL] = "ILL",
    [SIGTRAP] = "TRAP", [SIGABRT] = "ABRT",	[SIGBUS] = "BUS",   [SIGFPE] = "FPE",
    [SIGKILL] = "KILL", [SIGUSR1] = "USR1",	[SIGSEGV] = "SEGV", [SIGUSR2] = "USR2",
    [SIGPIPE] = "PIPE", [SIGALRM] = "ALRM",	[SIGTERM] = "TERM", [SIGSTKFLT] = "STKFLT",
    [SIGCHLD] = "CHLD", [SIGCONT] = "CONT",	[SIGSTOP] = "STOP", [SIGTSTP] = "TSTP",
    [SIGTTIN] = "TTIN", [SIGTTOU] = "TTOU",	[SIGURG] = "URG",   [SIGXCPU] = "XCPU",
    [SIGXFSZ] = "XFSZ", [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF", [SIGWINCH] = "WINCH",
    [SIGIO] = "IO",	[SIGPWR] = "PWR",	[SIGSYS] = "SYS",
};

static char lines[NSIG][24];
static size_t lens[NSIG];
static bool exit_on[NSIG];
static int out_fd = -1;

static void build_names(void)
{
	int signo;

	for (signo = 1; signo < NSIG; signo++) {
		if (signo < (int)(sizeof(std_names) / sizeof(std_names[0])) && std_names[signo])
			snprintf(lines[signo], sizeof(lines[signo]), "SIG%s\n", std_names[signo]);
		else if (signo == NAMED_RTMIN)
			snprintf(lines[signo], sizeof(lines[signo]), "SIGRTMIN\n");
		else if (signo > NAMED_RTMIN && signo <= SIGRTMAX)
			snprintf(lines[signo], sizeof(lines[signo]), "SIGRTMIN+%d\n",
				 signo - NAMED_RTMIN);
		else
			snprintf(lines[signo], sizeof(lines[signo]), "SIG%d\n", signo);
		lens[signo] = strlen(lines[signo]);
	}
}

/* "SIGTERM", "TERM", "15" or "SIGRTMIN+3"; -1 if none of these. */
static int parse_signal(const char *s)
{
	char *end;
	long n;
	int signo;

	n = strtol(s, &end, 10);
	if (*s != '\0' && *end == '\0')
		return n > 0 && n < NSIG ? (int)n : -1;
	for (signo = 1; signo < NSIG; signo++) {
		size_t len = lens[signo] - 1;

		if (strncasecmp(s, lines[signo], len) == 0 && s[len] == '\0')
			return signo;
		if (strncasecmp(s, lines[signo] + 3, len - 3) == 0 && s[len - 3] == '\0')
			return signo;
	}
	return -1;
}

/* One write(2) per signal: async-signal-safe, and atomic on an O_APPEND file. */
static void on_signal(int signo)
{
	int saved = errno;

	if (write(out_fd, lines[signo], lens[signo]) < 0) {
		/* Nothing useful to do: the test will notice the missing line. */
	}
	if (exit_on[signo])
		_exit(0);
	errno = saved;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	int i, signo;

	if (argc < 2) {
		fprintf(stderr, "usage: sigdump FILE [EXITSIG...]\n");
		return 2;
	}
	build_names();
	if (argc == 2) {
		exit_on[SIGINT] = true;
		exit_on[SIGTERM] = true;
	}
	for (i = 2; i < argc; i++) {
		signo = parse_signal(argv[i]);
		if (signo < 0) {
			fprintf(stderr, "sigdump: unknown signal '%s'\n", argv[i]);
			return 2;
		}
		exit_on[signo] = true;
	}
	out_fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (out_fd < 0) {
		fprintf(stderr, "sigdump: cannot open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	/* A full mask keeps handlers from nesting, so lines follow the order of delivery. */
	sigfillset(&sa.sa_mask);
	for (signo = 1; signo < NSIG; signo++) {
		if (signo == SIGKILL || signo == SIGSTOP)
			continue;
		/* glibc refuses the real-time signals its threads use; skip them. */
		sigaction(signo, &sa, NULL);
	}
	if (write(out_fd, "ready\n", 6) != 6) {
		fprintf(stderr, "sigdump: cannot write %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (;;)
		pause();
}
