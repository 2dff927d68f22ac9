// SPDX-License-Identifier: MIT
/*
 * The loop: a registered source's handler runs when its fd is ready, the one deadline ends
 * the wait on time, and a signal comes back as its number, with the source beside it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "check.h"
#include "core/loop.h"

static int calls;
static int seen_fd;

static void on_ready(struct loop *loop, int fd, short revents, void *ctx)
{
	char byte;

	(void)loop;
	fail_unless(ctx == &calls);
	fail_unless(revents & POLLIN);
	fail_unless(read(fd, &byte, 1) == 1);
	seen_fd = fd;
	calls++;
}

/* Removes the source *ctx, ready in the same round, and reads that byte itself. */
static int removed;
static void on_ready_remove(struct loop *loop, int fd, short revents, void *ctx)
{
	int other = *(int *)ctx;
	char byte;

	(void)revents;
	(void)fd;
	fail_unless(loop_remove(loop, other) == 0);
	fail_unless(read(other, &byte, 1) == 1);
	removed++;
}

/* Counts hang-ups: a source polled for POLLHUP alone gets nothing else. */
static int hups;
static void on_hup(struct loop *loop, int fd, short revents, void *ctx)
{
	(void)loop;
	(void)fd;
	fail_unless(ctx == &hups && revents == POLLHUP);
	hups++;
}

int main(void)
{
	struct loop loop;
	struct signal_setup setup;
	int sigs[8], fds[2], other[2], hup[2];
	size_t n;
	int64_t start;

	loop_block_all(&setup);
	fail_unless(loop_init(&loop, &setup) == 0);
	fail_unless(pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
	fail_unless(loop_add(&loop, fds[0], POLLIN, on_ready, &calls) == 0);

	/* Nothing ready: the deadline alone ends the wait, not before it. */
	start = loop_now_ms();
	fail_unless(loop_wait(&loop, start + 100, sigs, 8) == 0);
	fail_unless(loop_now_ms() - start >= 100 && calls == 0);

	/* A ready source wakes the loop at once and its handler runs. */
	fail_unless(write(fds[1], "x", 1) == 1);
	start = loop_now_ms();
	fail_unless(loop_wait(&loop, -1, sigs, 8) == 0);
	fail_unless(calls == 1 && seen_fd == fds[0]);
	fail_unless(loop_now_ms() - start < 1000);

	/* A signal comes back as its number. */
	fail_unless(raise(SIGUSR1) == 0);
	fail_unless(loop_wait(&loop, -1, sigs, 8) == 1 && sigs[0] == SIGUSR1);
	fail_unless(calls == 1);

	/* A paused source does not wake the loop, not even for a hang-up; resumed, it does. */
	fail_unless(write(fds[1], "y", 1) == 1);
	fail_unless(loop_set_events(&loop, fds[0], 0) == 0);
	start = loop_now_ms();
	fail_unless(loop_wait(&loop, start + 100, sigs, 8) == 0 && calls == 1);
	fail_unless(loop_set_events(&loop, fds[0], POLLIN) == 0);
	fail_unless(loop_wait(&loop, -1, sigs, 8) == 0 && calls == 2);

	/* A removed source is forgotten; removing it twice says so. */
	fail_unless(write(fds[1], "z", 1) == 1);
	fail_unless(loop_remove(&loop, fds[0]) == 0);
	fail_unless(loop_remove(&loop, fds[0]) < 0 && loop_set_events(&loop, fds[0], POLLIN) < 0);
	start = loop_now_ms();
	fail_unless(loop_wait(&loop, start + 100, sigs, 8) == 0 && calls == 2);

	/* A handler removes a source ready in the same round (fds[0] still holds "z"): no call. */
	fail_unless(pipe2(other, O_NONBLOCK | O_CLOEXEC) == 0);
	fail_unless(loop_add(&loop, fds[0], POLLIN, on_ready_remove, &other[0]) == 0);
	fail_unless(loop_add(&loop, other[0], POLLIN, on_ready, &calls) == 0);
	fail_unless(write(other[1], "o", 1) == 1);
	removed = 0;
	fail_unless(loop_wait(&loop, -1, sigs, 8) == 0 && removed == 1 && calls == 2);
	fail_unless(loop_remove(&loop, fds[0]) == 0);

	/*
	 * Polled for POLLHUP alone (a control client waiting for its program), a source is not
	 * woken by data, only by its peer's hang-up.
	 */
	fail_unless(pipe2(hup, O_NONBLOCK | O_CLOEXEC) == 0);
	fail_unless(loop_add(&loop, hup[0], POLLHUP, on_hup, &hups) == 0);
	fail_unless(write(hup[1], "d", 1) == 1);
	start = loop_now_ms();
	fail_unless(loop_wait(&loop, start + 100, sigs, 8) == 0 && hups == 0);
	fail_unless(close(hup[1]) == 0);
	fail_unless(loop_wait(&loop, -1, sigs, 8) == 0 && hups == 1);
	fail_unless(loop_remove(&loop, hup[0]) == 0);

	/* The table is fixed: it says so when full, and a freed slot is taken again. */
	for (n = 0; loop_add(&loop, fds[0], POLLIN, on_ready, &calls) == 0; n++)
		;
	fail_unless(errno == ENOSPC && n == LOOP_MAX_SOURCES);
	fail_unless(loop_remove(&loop, fds[0]) == 0);
	fail_unless(loop_add(&loop, fds[0], POLLIN, on_ready, &calls) == 0);
	return 0;
}
