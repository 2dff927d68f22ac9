// SPDX-License-Identifier: MIT
/*
 * The notices programs sent, one per program, allocated once: a flood of messages only
 * overwrites the same fields, so nothing here grows with what a program sends.
 */
#include "config.h"

#include "conf/conf.h"
#include "readiness/inbox.h"

/* Every program section and main. */
static struct notice table[CONF_MAX_PROGRAMS + 1];

static void clear(struct notice *n)
{
	*n = (struct notice){.extend_ms = -1, .watchdog_ms = -1};
}

struct notice *inbox_of(size_t idx, pid_t pid)
{
	struct notice *n;

	if (idx >= sizeof(table) / sizeof(table[0]))
		return NULL;
	n = &table[idx];
	/* A zeroed entry (never used) reads as "nothing", like a cleared one. */
	if (!n->pending || n->pid != pid)
		clear(n);
	n->pending = true;
	n->pid = pid;
	return n;
}

bool inbox_take(size_t idx, struct notice *out)
{
	if (idx >= sizeof(table) / sizeof(table[0]) || !table[idx].pending)
		return false;
	*out = table[idx];
	clear(&table[idx]);
	return true;
}
