// SPDX-License-Identifier: MIT
/*
 * allroot PROGRAM [ARG...]: installed set-user-ID root by a test, it makes the real, effective
 * and saved ids all root and execs PROGRAM, as su or sudo would. A plain set-user-ID program
 * keeps its caller's real uid, so the caller may still signal it; after this it may not.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: allroot PROGRAM [ARG...]\n");
		return 2;
	}
	if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
		fprintf(stderr, "allroot: cannot become root: %s\n", strerror(errno));
		return 1;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "allroot: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
