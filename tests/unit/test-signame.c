// SPDX-License-Identifier: MIT
/*
 * signame: names with and without "SIG" in any case, numbers, aliases, real-time names
 * counted from signal 34 whatever the C library's SIGRTMIN, refusals, and name -> number -> name
 * for every signal.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "core/signame.h"
#include "check.h"

static void check_names(void)
{
	fail_unless(signame_parse("SIGTERM") == SIGTERM);
	fail_unless(signame_parse("TERM") == SIGTERM);
	fail_unless(signame_parse("term") == SIGTERM);
	fail_unless(signame_parse("sigterm") == SIGTERM);
	fail_unless(signame_parse("SigUsr1") == SIGUSR1);
	fail_unless(signame_parse("HUP") == SIGHUP);
	fail_unless(signame_parse("SIGWINCH") == SIGWINCH);
	fail_unless(signame_parse("SIGKILL") == SIGKILL);
	fail_unless(signame_parse("SIGSTKFLT") == SIGSTKFLT);
	fail_unless(signame_parse("SIGPWR") == SIGPWR);
	/* Aliases parse, but the canonical name is the one written back. */
	fail_unless(signame_parse("SIGIOT") == SIGABRT);
	fail_unless(signame_parse("POLL") == SIGIO);
	fail_unless(signame_parse("SIGCLD") == SIGCHLD);
}

static void check_numbers(void)
{
	fail_unless(signame_parse("1") == 1);
	fail_unless(signame_parse("15") == SIGTERM);
	fail_unless(signame_parse("9") == SIGKILL);
	fail_unless(signame_parse("64") == SIGRTMAX);
}

static void check_realtime(void)
{
	/* 34 as for kill(1), glibc, systemd and Docker, even where SIGRTMIN is 35 (musl). */
	fail_unless(SIGNAME_RTMIN == 34);
	fail_unless(signame_parse("SIGRTMIN") == 34);
	fail_unless(signame_parse("RTMIN") == 34);
	fail_unless(signame_parse("SIGRTMIN+3") == 37);
	fail_unless(signame_parse("sigrtmin+3") == 37);
	fail_unless(signame_parse("RTMIN+3") == 37);
	fail_unless(signame_parse("RTMAX-1") == SIGRTMAX - 1);
	fail_unless(signame_parse("SIGRTMAX") == SIGRTMAX);
	fail_unless(signame_parse("SIGRTMIN+30") == SIGRTMAX);
	fail_unless(signame_parse("SIGRTMAX-30") == 34);
}

/* 32 and 33 are the C library's own, glibc's and musl's alike; 34 is not, even for musl. */
static void check_reserved(void)
{
	fail_unless(!signame_is_reserved(31));
	fail_unless(signame_is_reserved(32));
	fail_unless(signame_is_reserved(33));
	fail_unless(!signame_is_reserved(34));
	fail_unless(!signame_is_reserved(35));
}

static void check_refusals(void)
{
	static const char *const bad[] = {
	    "",
	    "SIG",
	    "SIGFOO",
	    "FOO",
	    "0",
	    "-1",
	    "65",
	    "1000",
	    "15x",
	    " 15",
	    "15 ",
	    "SIGTERM ",
	    "+15",
	    "SIGRTMIN+",
	    "SIGRTMIN-1",
	    "RTMAX+1",
	    "SIGRTMIN+31",
	    "RTMAX-31",
	    "SIGRTMIN+99",
	    "RTMIN+3x",
	    "SIG SIGTERM",
	    "SIGSIGTERM",
	    "TERMX",
	    "0x0f",
	};
	size_t i;

	fail_unless(signame_parse(NULL) == -1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (signame_parse(bad[i]) != -1)
			fprintf(stderr, "accepted '%s'\n", bad[i]);
		fail_unless(signame_parse(bad[i]) == -1);
	}
}

static void check_canonical(void)
{
	char buf[SIGNAME_MAX];

	fail_unless(strcmp(signame_name(SIGTERM, buf, sizeof(buf)), "SIGTERM") == 0);
	fail_unless(strcmp(signame_name(SIGUSR1, buf, sizeof(buf)), "SIGUSR1") == 0);
	fail_unless(strcmp(signame_name(SIGABRT, buf, sizeof(buf)), "SIGABRT") == 0);
	fail_unless(strcmp(signame_name(SIGIO, buf, sizeof(buf)), "SIGIO") == 0);
	fail_unless(strcmp(signame_name(SIGCHLD, buf, sizeof(buf)), "SIGCHLD") == 0);
	fail_unless(strcmp(signame_name(34, buf, sizeof(buf)), "SIGRTMIN") == 0);
	fail_unless(strcmp(signame_name(35, buf, sizeof(buf)), "SIGRTMIN+1") == 0);
	fail_unless(strcmp(signame_name(37, buf, sizeof(buf)), "SIGRTMIN+3") == 0);
	fail_unless(strcmp(signame_name(33, buf, sizeof(buf)), "SIG33") == 0);
	fail_unless(strcmp(signame_name(SIGRTMAX, buf, sizeof(buf)), "SIGRTMIN+30") == 0);
}

/* Every number the parser accepts has a name that parses back to it, unchanged. */
static void check_round_trip(void)
{
	char name[SIGNAME_MAX], again[SIGNAME_MAX];
	int signo;

	for (signo = 1; signo <= SIGRTMAX; signo++) {
		signame_name(signo, name, sizeof(name));
		if (signame_parse(name) != signo)
			fprintf(stderr, "signal %d: name '%s' parses as %d\n", signo, name,
				signame_parse(name));
		fail_unless(signame_parse(name) == signo);
		signame_name(signame_parse(name), again, sizeof(again));
		fail_unless(strcmp(name, again) == 0);
	}
}

int main(void)
{
	check_names();
	check_numbers();
	check_realtime();
	check_reserved();
	check_refusals();
	check_canonical();
	check_round_trip();
	return 0;
}
