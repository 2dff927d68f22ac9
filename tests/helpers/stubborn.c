// SPDX-License-Identifier: MIT
/* stubborn [SIG...]: ignores the given signals (every catchable one with "all"), prints "ready"
 * and waits forever; only what it does not ignore, or SIGKILL, ends it. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Enough names for the tests: a number, or one of these, with or without "SIG". */
static const struct {
	const char *name;
	int signo;
} names[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},	  {"QUIT", SIGQUIT},   {"USR1", SIGUSR1},
    {"USR2", SIGUSR2}, {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},   {"TERM", SIGTERM},
    {"CHLD", SIGCHLD}, {"CONT", SIGCONT}, {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU}, {"URG", SIGURG},	  {"WINCH", SIGWINCH}, {"PWR", SIGPWR},
};

static int parse_signal(const char *s)
{
	char *end;
	long n;
	size_t i;

	n = strtol(s, &end, 10);
	if (*s != '\0' && *end == '\0')
		return n > 0 && n < NSIG ? (int)n : -1;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0)
			return names[i].signo;
	if (strncasecmp(s, "RTMIN+", 6) == 0) {
		n = strtol(s + 6, &end, 10);
		/* Counted from 34, as pid1 does, whatever this C library's SIGRTMIN. */
		if (*end == '\0' && n >= 0 && n <= SIGRTMAX - 34)
			return 34 + (int)n;
	}
	return -1;
}

static int ignore(int signo)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	return sigaction(signo, &sa, NULL);
}

int main(int argc, char **argv)
{
	int i, signo;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "all") == 0) {
			/* Failures are the uncatchable ones and glibc's reserved real-time ones. */
			for (signo = 1; signo < NSIG; signo++)
				ignore(signo);
			continue;
		}
		signo = parse_signal(argv[i]);
		if (signo < 0 || ignore(signo) < 0) {
			fprintf(stderr, "stubborn: cannot ignore '%s'\n", argv[i]);
			return 2;
		}
	}
	printf("ready\n");
	if (fflush(stdout) != 0) {
		fprintf(stderr, "stubborn: cannot write: %s\n", strerror(errno));
		return 1;
	}
	for (;;)
		pause();
}
