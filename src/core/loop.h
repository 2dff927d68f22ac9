/* SPDX-License-Identifier: MIT */
/*
 * The self-pipe and the one signal handler, and the fds other modules register. The handler
 * only writes the signal number to a non-blocking pipe; loop_wait() sleeps in ppoll() on the
 * pipe and the sources until one deadline, and hands the numbers back in arrival order.
 * The handled signals are blocked everywhere but inside that ppoll().
 */
#ifndef PID1_LOOP_H
#define PID1_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;

/*
 * What pid1 was started with and what loop_init() changed: the child puts it back. Masks of
 * the kernel's signals 1 to 64, bit N-1 for signal N, so that the ones the C library hides
 * from sigset_t (musl: 34) are kept like the rest.
 */
struct signal_setup {
	uint64_t start_mask;	   /* the signal mask pid1 was started with */
	uint64_t caught;	   /* the signals pid1 catches (and blocks outside ppoll) */
	uint64_t caught_ignored;   /* of those, the ones pid1 was started with ignored */
	uint64_t reserved;	   /* the C library's own (32, 33), ignored by pid1 */
	uint64_t reserved_ignored; /* of those, the ones pid1 was started with ignored */
};

/*
 * Blocks every signal and keeps the mask pid1 was started with in setup. Called first thing
 * in main(): a signal that arrives during start-up then waits in the kernel until its handler
 * exists, where for a namespace's PID 1 the default disposition would have dropped it.
 */
void loop_block_all(struct signal_setup *setup);

/*
 * After loop_block_all(): creates the pipe and installs the handler; from then on the handled
 * signals get in only while loop_wait() waits. The C library's reserved signals (32 and 33),
 * which sigaction() refuses, are ignored instead, so that they cannot kill a pid1 that is not
 * PID 1. Signal 34, which musl also refuses, is caught through the kernel like the rest.
 * Returns 0, or -1 (errno set).
 */
int loop_init(struct loop *loop, struct signal_setup *setup);

/*
 * In the child: gives every signal loop_init() touched back the disposition pid1 was started
 * with. Exec would reset a caught signal by itself, but not before the mask is restored: a
 * signal arriving in between must act on the child, not run pid1's handler there.
 */
void loop_restore_signals(const struct signal_setup *setup);

/* In the child, last before exec: the signal mask pid1 was started with. */
void loop_restore_mask(const struct signal_setup *setup);

/*
 * The most fds other modules may register at once: one ready fd per program (64), each
 * program's two output pipes and two more of its run before (kept until a process it left
 * behind closes them), one exec-error pipe per program being started, one socket of a check
 * of pid1's per program; then sixteen: pid1's
 * stdout and stderr, the notify socket, the control socket and its eight clients, and four
 * spare; and the notify socket's nine: the pidfds of the eight strangers it remembers and a
 * throw-away process's pipe.
 */
#define LOOP_MAX_SOURCES (64 * 7 + 16 + 9)

/* Called from loop_wait() when fd is ready; revents as poll(2) gives them. */
typedef void loop_handler(struct loop *loop, int fd, short revents, void *ctx);

/*
 * A fixed table, found by fd (a registered fd is open, so unique). A removed source's slot
 * has fd -1 and is reused; nsources is one past the last slot used. A slot filled while
 * handlers run is fresh: poll's answer for that index was about its previous owner.
 */
struct loop_source {
	int fd;
	short events;
	bool fresh;
	loop_handler *handler;
	void *ctx;
};

/* The loop's state, owned by main(): all but what the signal handler touches. */
struct loop {
	sigset_t wait_mask;   /* the mask inside ppoll(): the handled signals let through */
	uint64_t caught_bits; /* bit N-1: signal N has the handler */
	bool pipe_behind;     /* the last read filled the caller's array: bytes may be left */
	size_t nsources;
	struct loop_source sources[LOOP_MAX_SOURCES];
};

/*
 * Registers fd (close-on-exec, non-blocking, owned by the caller) for events: handler runs
 * with ctx whenever poll finds it ready. Returns 0, or -1 with errno ENOSPC when full.
 */
int loop_add(struct loop *loop, int fd, short events, loop_handler *handler, void *ctx);

/*
 * Changes what fd, registered with loop_add(), is polled for. 0 leaves it out of poll
 * altogether: not even POLLHUP or POLLERR wake the loop for it. Returns 0, or -1 with errno
 * ENOENT when fd is not registered.
 */
int loop_set_events(struct loop *loop, int fd, short events);

/*
 * Forgets fd (the caller closes it). Safe from inside a handler, for any source: a source
 * removed or added while handlers run gets no call for what this round of poll saw.
 * Returns 0, or -1 with errno ENOENT.
 */
int loop_remove(struct loop *loop, int fd);

/*
 * Waits until deadline_ms on CLOCK_MONOTONIC (-1: forever) for signals or a ready source.
 * Runs the handlers of ready sources, then stores the signal numbers, in arrival order, in
 * sigs[0..n): those that were pending together in the order the kernel delivers them (lowest
 * number first), all taken in this one call. Returns how many were stored; 0 when only the
 * deadline or a source woke it.
 */
size_t loop_wait(struct loop *loop, int64_t deadline_ms, int *sigs, size_t n);

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t loop_now_ms(void);

/* The earlier of two deadlines in milliseconds, where -1 (any negative) means none. */
int64_t loop_earliest(int64_t a, int64_t b);

#endif
