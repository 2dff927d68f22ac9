// SPDX-License-Identifier: MIT
/*
 * The order programs start and stop in. A cycle in `after` would leave its programs
 * waiting for ever, so it is a config error that names the whole cycle. At most
 * CONF_MAX_PROGRAMS programs, so the walks keep their marks on the stack. `main`, the
 * command, has no section: it waits for nothing, so it is at level 0 and in no cycle.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "conf/order.h"

int order_find(const struct program_conf *progs, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(progs[i].name, name) == 0)
			return (int)i;
	return strcmp(name, "main") == 0 ? ORDER_MAIN : -1;
}

enum mark { UNSEEN, ON_PATH, CLEAR };

/* Writes "a -> b -> a" for the cycle that path[from..depth) closes back to path[from]. */
static void name_cycle(const struct program_conf *progs, const int *path, int from, int depth,
		       char *err, size_t len)
{
	int i;

	snprintf(err, len, "'after' makes a cycle: ");
	for (i = from; i < depth; i++) {
		strlcat(err, progs[path[i]].name, len);
		strlcat(err, " -> ", len);
	}
	strlcat(err, progs[path[from]].name, len);
}

/* Depth-first from i; true when a cycle was found (err then names it). */
static bool find_cycle(const struct program_conf *progs, size_t n, int i, enum mark *marks,
		       int *path, int depth, char *err, size_t len)
{
	char **a;
	int d, k;

	if (marks[i] == CLEAR)
		return false;
	if (marks[i] == ON_PATH) {
		for (k = 0; k < depth && path[k] != i; k++)
			;
		name_cycle(progs, path, k, depth, err, len);
		return true;
	}
	marks[i] = ON_PATH;
	path[depth] = i;
	for (a = progs[i].after; a != NULL && *a != NULL; a++) {
		d = order_find(progs, n, *a);
		if (d >= 0 && find_cycle(progs, n, d, marks, path, depth + 1, err, len))
			return true;
	}
	marks[i] = CLEAR;
	return false;
}

int order_check(const struct program_conf *progs, size_t n, int *line, char *err, size_t len)
{
	enum mark marks[CONF_MAX_PROGRAMS] = {UNSEEN};
	int path[CONF_MAX_PROGRAMS] = {0};
	char **a;
	size_t i;
	int j;

	for (i = 0; i < n; i++) {
		*line = progs[i].line;
		for (a = progs[i].after; a != NULL && *a != NULL; a++) {
			j = order_find(progs, n, *a);
			if (j == ORDER_MAIN && progs[i].when == WHEN_START)
				continue;
			if (j == ORDER_MAIN) {
				snprintf(err, len,
					 "program '%s' is after 'main', which runs at start-up",
					 progs[i].name);
				return -1;
			}
			if (j < 0) {
				snprintf(err, len,
					 "program '%s' is after '%s', which is not a program",
					 progs[i].name, *a);
				return -1;
			}
			/* Stop hooks run at shutdown, the others at start-up: no order between. */
			if (progs[j].when != progs[i].when) {
				snprintf(err, len, "program '%s' is after '%s', which runs at %s",
					 progs[i].name, *a,
					 progs[j].when == WHEN_STOP ? "shutdown" : "start-up");
				return -1;
			}
		}
	}
	for (i = 0; i < n && i < CONF_MAX_PROGRAMS; i++) {
		*line = progs[i].line;
		if (find_cycle(progs, n, (int)i, marks, path, 0, err, len))
			return -1;
	}
	return 0;
}

/* The level of i, memoised in levels (-1: not worked out yet); the graph has no cycle. */
static int level_of(const struct program_conf *progs, size_t n, int i, int *levels)
{
	char **a;
	int l;

	if (levels[i] >= 0)
		return levels[i];
	levels[i] = 0;
	for (a = progs[i].after; a != NULL && *a != NULL; a++) {
		l = order_find(progs, n, *a);
		l = l < 0 ? 1 : level_of(progs, n, l, levels) + 1;
		if (l > levels[i])
			levels[i] = l;
	}
	return levels[i];
}

int order_levels(const struct program_conf *progs, size_t n, int *levels)
{
	int top = 0;
	size_t i;

	for (i = 0; i < n; i++)
		levels[i] = -1;
	for (i = 0; i < n; i++)
		if (level_of(progs, n, (int)i, levels) > top)
			top = levels[i];
	return top;
}
