// SPDX-License-Identifier: MIT
/*
 * The wait: one ppoll() on the self-pipe (core/loopsig.c, where the handler and the mask live) and
 * every fd other modules registered as a source (core/loopsrc.c), until one deadline, the earliest
 * the caller needs. Signals come out in the order they came: those pending in the kernel
 * first, else the pipe's bytes, then the flags of those that did not fit in it. A ready
 * source has its handler run here, so no module needs to know of another's fds.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <time.h>

#include "core/loop.h"
#include "core/loopsig.h"
#include "core/loopsrc.h"

size_t loop_wait(int64_t deadline_ms, int *sigs, size_t n)
{
	struct pollfd pfds[1 + LOOP_MAX_SOURCES];
	struct timespec ts, *tsp = NULL;
	int timeout_ms = deadline_ms < 0 ? -1 : loop_timeout_until(deadline_ms);
	const sigset_t *mask = loopsig_wait_mask();
	size_t have, npfds;
	int ready;

	/* Signals that came while pid1 worked wait in the kernel: taken first, with no sleep. */
	have = loopsig_pending(sigs, n);
	pfds[0] = (struct pollfd){.fd = loopsig_fd(), .events = POLLIN};
	npfds = 1 + loopsrc_fill(pfds + 1);
	if (have > 0 && npfds == 1)
		return have;
	if (loopsig_overflowed() || have > 0)
		timeout_ms = 0;
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		tsp = &ts;
	}
	/* With signals in hand, the sources are only looked at: a storm cannot starve them. */
	if (have > 0)
		mask = NULL;
	/* EINTR is the usual way out: a handler ran. Its byte is in the pipe. */
	ready = ppoll(pfds, npfds, tsp, mask);
	if (ready < 0 && errno != EINTR)
		return have;
	if (ready > 0)
		loopsrc_run(pfds + 1, npfds - 1);
	if (have > 0)
		return have;
	return loopsig_read(sigs, n);
}

int64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t loop_earliest(int64_t a, int64_t b)
{
	return a < 0 || (b >= 0 && b < a) ? b : a;
}

int loop_timeout_until(int64_t deadline_ms)
{
	int64_t left = deadline_ms - loop_now_ms();

	/* An hour at most: a later deadline is simply looked at again then. */
	if (left <= 0)
		return 0;
	return left > 60 * 60 * 1000 ? 60 * 60 * 1000 : (int)left;
}
