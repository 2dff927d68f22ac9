// SPDX-License-Identifier: MIT
/*
 * The restart policy. Back-off starts at delay and doubles with each restart counted in the
 * window, up to max-delay; more than limit restarts within the window means the program
 * cannot stay up, and pid1 gives up with its last status rather than spin.
 */
#include "config.h"

#include <sys/wait.h>
#include <stdlib.h>

#include "conf/restart.h"

bool restart_wanted(const struct restart_conf *rc, int wstatus)
{
	switch (rc->policy) {
	case RESTART_NO:
		return false;
	case RESTART_ON_FAILURE:
		return !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0;
	case RESTART_ALWAYS:
		return true;
	}
	return false;
}

/* Restarts within the window that ends now. */
static size_t count_recent(const struct restart_conf *rc, const struct restart_history *h,
			   int64_t now)
{
	size_t kept = h->nrestarts < h->size ? h->nrestarts : h->size;
	size_t n = 0, i;

	for (i = 0; i < kept; i++)
		if (now - h->times[i] < rc->window_ms)
			n++;
	return n;
}

int restart_history_init(struct restart_history *h, const struct restart_conf *rc)
{
	h->nrestarts = 0;
	h->size = rc->policy != RESTART_NO && rc->limit > 0 ? (size_t)rc->limit : 0;
	h->times = h->size > 0 ? calloc(h->size, sizeof(*h->times)) : NULL;
	return h->size > 0 && h->times == NULL ? -1 : 0;
}

void restart_history_free(struct restart_history *h)
{
	free(h->times);
	h->times = NULL;
	h->size = 0;
}

int64_t restart_book(const struct restart_conf *rc, struct restart_history *h, int64_t now,
		     size_t *recent)
{
	int64_t delay = rc->delay_ms;
	size_t n = count_recent(rc, h, now), i;

	*recent = n;
	if (n >= (size_t)rc->limit)
		return -1;
	for (i = 0; i < n && delay < rc->max_delay_ms; i++)
		delay *= 2;
	if (delay > rc->max_delay_ms)
		delay = rc->max_delay_ms;
	if (h->size > 0)
		h->times[h->nrestarts % h->size] = now + delay;
	h->nrestarts++;
	return delay;
}
