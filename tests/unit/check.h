/* SPDX-License-Identifier: MIT */
/* A failed check prints file:line and the expression, and exits 99 (a hard error to automake). */
#ifndef PID1_CHECK_H
#define PID1_CHECK_H
#include <stdio.h>
#include <stdlib.h>
#define fail_unless(expr)                                                                          \
	((expr) ? (void)0                                                                          \
		: (fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #expr), exit(99)))
#endif
