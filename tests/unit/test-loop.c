// SPDX-License-Identifier: MIT
/*
 * The loop: a registered source's handler runs when its fd is ready, the one deadline ends
 * the wait on time, and a signal comes back as its number, with the source beside it.
 */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "check.h"
#include "loop.h"

static int calls;
static int seen_fd;

static void on_ready(int fd, short revents, void *ctx)
{
	char byte;

	fail_unless(ctx == &calls);
	fail_unless(revents & POLLIN);
	fail_unless(read(fd, &byte, 1) == 1);
	seen_fd = fd;
	calls++;
}

int main(void)
{
	struct signal_setup setup;
	int sigs[8], fds[2];
	int64_t start;

	loop_block_all(&setup);
	fail_unless(loop_init(&setup) == 0);
	fail_unless(pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
	fail_unless(loop_add(fds[0], POLLIN, on_ready, &calls) == 0);

	/* Nothing ready: the deadline alone ends the wait, not before it. */
	start = loop_now_ms();
	fail_unless(loop_wait(start + 100, sigs, 8) == 0);
	fail_unless(loop_now_ms() - start >= 100 && calls == 0);

	/* A ready source wakes the loop at once and its handler runs. */
	fail_unless(write(fds[1], "x", 1) == 1);
	start = loop_now_ms();
	fail_unless(loop_wait(-1, sigs, 8) == 0);
	fail_unless(calls == 1 && seen_fd == fds[0]);
	fail_unless(loop_now_ms() - start < 1000);

	/* A signal comes back as its number. */
	fail_unless(raise(SIGUSR1) == 0);
	fail_unless(loop_wait(-1, sigs, 8) == 1 && sigs[0] == SIGUSR1);
	fail_unless(calls == 1);

	/* The table is fixed: it says so when full. */
	while (loop_add(fds[0], POLLIN, on_ready, &calls) == 0)
		;
	return 0;
}
