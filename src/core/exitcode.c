// SPDX-License-Identifier: MIT
/*
 * Wait status -> exit code, as a shell reports it, and the exit-code remaps (-e, exit-code).
 */
#include "config.h"

#include <sys/wait.h>
#include <stdio.h>

#include "core/exitcode.h"
#include "core/signame.h"

const char *exitcode_describe(int status, char *buf, size_t len)
{
	char name[SIGNAME_MAX];

	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by %s%s",
			 signame_name(WTERMSIG(status), name, sizeof(name)),
			 WCOREDUMP(status) ? " (core dumped)" : "");
	else
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	return buf;
}

int exitcode_from_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	/* Stopped or continued statuses are never final; treat as a failure, not success. */
	return EXIT_START_FAILED;
}

int exitcode_remap(const int map[256], int code)
{
	if (code < 0 || code > 255 || map[code] < 0)
		return code;
	return map[code];
}
