/* SPDX-License-Identifier: MIT */
/*
 * The dependency graph of the program sections (state/roster.c): `after` names resolved,
 * unknown names and cycles found, and each program's level (0 without after, else one above
 * the highest level it comes after). Programs of one level start together; shutdown goes
 * level by level from the top. Plain values in, no libconfuse.
 */
#ifndef PID1_ORDER_H
#define PID1_ORDER_H

#include <stddef.h>

#include "conf/conf.h"

/* What an after list names that is not a section: the command, the program `main`. */
#define ORDER_MAIN (-2)

/* The index of the program named name, ORDER_MAIN for `main`, or -1. */
int order_find(const struct program_conf *progs, size_t n, const char *name);

/*
 * Checks every after list: names that exist, no program after itself, no cycle. Returns 0,
 * or -1 with a one-line message in err (len bytes) and *line the line of the program at
 * fault.
 */
int order_check(const struct program_conf *progs, size_t n, int *line, char *err, size_t len);

/* Fills levels[0..n) for programs that passed order_check. Returns the highest level. */
int order_levels(const struct program_conf *progs, size_t n, int *levels);

#endif
