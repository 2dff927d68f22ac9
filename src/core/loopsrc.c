// SPDX-License-Identifier: MIT
/*
 * The fds other modules register with the loop: a fixed table, so nothing allocates, and a
 * source can be paused (left out of poll), resumed and removed, from anywhere, handlers
 * included. Sources are found by their fd: a registered fd is open, so it is unique.
 * The table lives as long as the loop, which is why it is file-scope state.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>

#include "core/loop.h"
#include "core/loopsrc.h"

/*
 * A removed source's slot has fd -1 and is reused; nsources is one past the last slot used.
 * A slot filled while handlers run is fresh: poll's answer for that index was about whatever
 * had the slot before.
 */
struct source {
	int fd;
	short events;
	bool fresh;
	loop_handler *handler;
	void *ctx;
};
static struct source sources[LOOP_MAX_SOURCES];
static size_t nsources;

int loop_add(int fd, short events, loop_handler *handler, void *ctx)
{
	size_t i;

	for (i = 0; i < nsources && sources[i].fd >= 0; i++)
		;
	if (i >= LOOP_MAX_SOURCES) {
		errno = ENOSPC;
		return -1;
	}
	sources[i] = (struct source){fd, events, true, handler, ctx};
	if (i == nsources)
		nsources++;
	return 0;
}

static struct source *find_source(int fd)
{
	size_t i;

	for (i = 0; fd >= 0 && i < nsources; i++)
		if (sources[i].fd == fd)
			return &sources[i];
	errno = ENOENT;
	return NULL;
}

int loop_set_events(int fd, short events)
{
	struct source *src = find_source(fd);

	if (src == NULL)
		return -1;
	src->events = events;
	return 0;
}

int loop_remove(int fd)
{
	struct source *src = find_source(fd);

	if (src == NULL)
		return -1;
	src->fd = -1;
	while (nsources > 0 && sources[nsources - 1].fd < 0)
		nsources--;
	return 0;
}

size_t loopsrc_fill(struct pollfd *pfds)
{
	size_t i;

	/* A negative fd is skipped by poll: a removed or paused source cannot wake it. */
	for (i = 0; i < nsources; i++) {
		sources[i].fresh = false;
		pfds[i] = (struct pollfd){
		    .fd = sources[i].events != 0 ? sources[i].fd : -1,
		    .events = sources[i].events,
		};
	}
	return nsources;
}

/* Skips a source an earlier handler removed, or whose slot changed hands since. */
void loopsrc_run(const struct pollfd *pfds, size_t n)
{
	struct source *src;
	size_t i;

	for (i = 0; i < n; i++) {
		src = &sources[i];
		if (pfds[i].revents != 0 && !src->fresh && src->fd == pfds[i].fd)
			src->handler(pfds[i].fd, pfds[i].revents, src->ctx);
	}
}
