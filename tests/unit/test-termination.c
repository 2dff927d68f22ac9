// SPDX-License-Identifier: MIT
/*
 * The termination message, composed from a state of the test's own: what ended the
 * container comes first (a program's end, an OOM kill, a signal, pid1 ctl), then each
 * program's end and restarts; a refused start-up says so; nothing goes past the kubelet's
 * 4096 bytes. Nothing is written.
 */
#include "config.h"

#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "supervisor/supervise.h"

static struct program progs[CONF_MAX_PROGRAMS];
static char names[CONF_MAX_PROGRAMS][CONF_NAME_MAX + 1];
static struct pid1_conf conf;
static struct pid1_state st;
static char buf[TERMINATION_MAX];

/* n programs, all ended with status 0; command: a single command rather than sections. */
static void setup(size_t n, bool command)
{
	static char *argv[] = {"server", NULL};
	size_t i;

	memset(progs, 0, sizeof(progs));
	memset(&st, 0, sizeof(st));
	memset(&conf, 0, sizeof(conf));
	conf.command = command ? argv : NULL;
	for (i = 0; i < n; i++) {
		program_reset(&progs[i]);
		snprintf(names[i], sizeof(names[i]), "p%zu", i);
		progs[i].name = command ? "main" : names[i];
		progs[i].state = PROGRAM_ENDED;
		progs[i].exited = true;
		progs[i].started = true;
	}
	st.conf = &conf;
	st.programs = progs;
	st.nprograms = n;
}

static size_t compose(int code)
{
	size_t n = termination_compose(&st, code, buf, sizeof(buf));

	fail_unless(n == strlen(buf));
	return n;
}

static void test_command(void)
{
	setup(1, true);
	progs[0].status = W_EXITCODE(3, 0);
	st.decider = &progs[0];
	compose(3);
	fail_unless(strcmp(buf, "pid1 exited with code 3: the command exited with status 3\n"
				"main: exited with status 3, 0 restarts\n") == 0);
}

static void test_oom(void)
{
	setup(2, false);
	progs[1].status = SIGKILL;
	progs[1].oom_killed = true;
	progs[1].history.nrestarts = 1;
	st.decider = &progs[1];
	compose(137);
	fail_unless(strcmp(buf, "pid1 exited with code 137: p1 was killed by the OOM killer "
				"(SIGKILL)\n"
				"p0: exited with status 0, 0 restarts\n"
				"p1: killed by the OOM killer (SIGKILL), 1 restart\n") == 0);
	/* A SIGKILL the counter did not see is a SIGKILL. */
	progs[1].oom_killed = false;
	compose(137);
	fail_unless(strstr(buf, "p1 was killed by SIGKILL\n") != NULL);
}

static void test_stopped(void)
{
	setup(2, false);
	progs[0].status = SIGTERM;
	progs[1].exited = false;
	progs[1].started = false;
	strcpy(st.stopped_by, "SIGTERM");
	compose(143);
	fail_unless(strcmp(buf, "pid1 exited with code 143: stopped by SIGTERM\n"
				"p0: killed by SIGTERM, 0 restarts\n"
				"p1: never ran, 0 restarts\n") == 0);
	strcpy(st.stopped_by, "requested by pid1 ctl (uid 0, pid 7)");
	compose(0);
	fail_unless(strncmp(buf, "pid1 exited with code 0: stopped: requested by pid1 ctl", 55) ==
		    0);
}

static void test_refused(void)
{
	termination_compose(NULL, EXIT_USAGE, buf, sizeof(buf));
	fail_unless(strstr(buf, "pid1 exited with code 2: the command line or configuration was "
				"refused") == buf);
	termination_compose(NULL, EXIT_START_FAILED, buf, sizeof(buf));
	fail_unless(strstr(buf, "code 1: it could not set itself up") != NULL);
	setup(0, false);
	compose(0);
	fail_unless(strcmp(buf, "pid1 exited with code 0: pause mode ended\n") == 0);
}

/* The most programs with the longest names and ends still fit the kubelet's bound. */
static void test_bounded(void)
{
	size_t i, n;

	setup(CONF_MAX_PROGRAMS, false);
	for (i = 0; i < CONF_MAX_PROGRAMS; i++) {
		memset(names[i], 'a' + (char)(i % 26), CONF_NAME_MAX);
		names[i][CONF_NAME_MAX] = '\0';
		progs[i].status = SIGKILL | WCOREFLAG;
		progs[i].history.nrestarts = 1000000;
	}
	st.decider = &progs[0];
	n = compose(137);
	fail_unless(n == sizeof(buf) - 1);
	/* A small buffer is cut too, never overrun. */
	buf[10] = 'x';
	fail_unless(termination_compose(&st, 137, buf, 10) == 9 && buf[9] == '\0');
}

int main(void)
{
	test_command();
	test_oom();
	test_stopped();
	test_refused();
	test_bounded();
	return 0;
}
