// SPDX-License-Identifier: MIT
/*
 * exitcode: a wait status becomes the shell's exit code (the code, or 128+N when killed by
 * N), checked on statuses of real children, and exit-code remaps apply to the result.
 */
#include "config.h"

#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "core/child.h"
#include "check.h"

/* The wait status of a real child that exits with code, or raises signo when code < 0. */
static int status_of(int code, int signo)
{
	int wstatus;
	pid_t pid;

	pid = fork();
	fail_unless(pid >= 0);
	if (pid == 0) {
		if (code < 0) {
			signal(signo, SIG_DFL);
			raise(signo);
		}
		_exit(code < 0 ? 100 : code);
	}
	fail_unless(waitpid(pid, &wstatus, 0) == pid);
	return wstatus;
}

static void check_status(void)
{
	fail_unless(exitcode_from_status(status_of(0, 0)) == 0);
	fail_unless(exitcode_from_status(status_of(3, 0)) == 3);
	fail_unless(exitcode_from_status(status_of(255, 0)) == 255);
	fail_unless(exitcode_from_status(status_of(-1, SIGKILL)) == 137);
	fail_unless(exitcode_from_status(status_of(-1, SIGTERM)) == 143);
	fail_unless(exitcode_from_status(status_of(-1, SIGINT)) == 130);
	fail_unless(exitcode_from_status(status_of(-1, SIGRTMIN + 3)) == 128 + SIGRTMIN + 3);
	/* A core dump does not change the code. */
	fail_unless(exitcode_from_status(W_EXITCODE(0, SIGABRT) | WCOREFLAG) == 128 + SIGABRT);
	fail_unless(exitcode_from_status(W_EXITCODE(42, 0)) == 42);
	/* A stopped child has not ended: never report it as success. */
	fail_unless(exitcode_from_status(W_STOPCODE(SIGSTOP)) != 0);
}

static void check_remap(void)
{
	int map[256], i;

	for (i = 0; i < 256; i++)
		map[i] = -1;
	for (i = 0; i < 256; i++)
		fail_unless(exitcode_remap(map, i) == i);
	map[143] = 0;
	map[3] = 7;
	fail_unless(exitcode_remap(map, 143) == 0);
	fail_unless(exitcode_remap(map, 3) == 7);
	fail_unless(exitcode_remap(map, 0) == 0);
	fail_unless(exitcode_remap(map, 137) == 137);
	/* Remaps apply once: 3 -> 7 does not go on through a remap of 7. */
	map[7] = 9;
	fail_unless(exitcode_remap(map, 3) == 7);
	/* Out-of-range codes are passed through, never used as an index. */
	fail_unless(exitcode_remap(map, -1) == -1);
	fail_unless(exitcode_remap(map, 256) == 256);
}

int main(void)
{
	check_status();
	check_remap();
	return 0;
}
