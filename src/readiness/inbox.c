// SPDX-License-Identifier: MIT
/*
 * The inbox's table, allocated at the first channel that opens and held by the state: nothing
 * here grows with what a program sends.
 */
#include "config.h"

#include <stdlib.h>

#include "output/log.h"
#include "readiness/inbox.h"
#include "supervisor/state.h"

static void clear(struct notice *n)
{
	*n = (struct notice){.extend_ms = -1, .watchdog_ms = -1};
}

int inbox_open(struct pid1_state *st)
{
	size_t i;

	for (i = 0; i < st->nprograms; i++)
		if (st->programs[i].ready_mode == READY_NOTIFY ||
		    st->programs[i].ready_mode >= READY_FD_MIN)
			break;
	if (i == st->nprograms)
		return 0;
	st->inbox = calloc(1, sizeof(*st->inbox));
	if (st->inbox == NULL) {
		log_err("cannot allocate the table of what programs say: %m");
		return -1;
	}
	for (i = 0; i < INBOX_SLOTS; i++)
		st->inbox->slots[i].pipe = -1;
	return 0;
}

struct notice *inbox_of(struct inbox *in, size_t idx, pid_t pid)
{
	struct notice *n;

	if (in == NULL || idx >= INBOX_SLOTS)
		return NULL;
	n = &in->slots[idx].notice;
	/* A zeroed entry (never used) reads as "nothing", like a cleared one. */
	if (!n->pending || n->pid != pid)
		clear(n);
	n->pending = true;
	n->pid = pid;
	return n;
}

bool inbox_take(struct inbox *in, size_t idx, struct notice *out)
{
	if (in == NULL || idx >= INBOX_SLOTS || !in->slots[idx].notice.pending)
		return false;
	*out = in->slots[idx].notice;
	clear(&in->slots[idx].notice);
	return true;
}

void inbox_close(struct pid1_state *st)
{
	free(st->inbox);
	st->inbox = NULL;
}
