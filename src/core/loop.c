// SPDX-License-Identifier: MIT
/*
 * The loop (core/loop.h). The handler does nothing but write the signal's byte: all work
 * happens in the loop, outside async context. The caught signals stay blocked except inside
 * ppoll(), so a burst of one standard signal that arrives while pid1 works is merged by the
 * kernel into one delivery, as with tini's sigtimedwait and catatonit's signalfd. ppoll() lets
 * one handler run per call, so before it sleeps again the loop takes what is pending with a
 * zero-timeout sigtimedwait, in the kernel's order: in a storm pid1 forwards from there, with
 * no handler or pipe byte each. (A handler mask that let the other caught signals in would
 * run their handlers nested, the last first: the batch would come out reversed.)
 * File-scope state: only what the handler needs, the pipe's fds, pid1's pid and the overflow
 * flags; the masks and sources are main()'s struct loop. The only file with sigaction but
 * core/child.c, which resets what this one set.
 */
#include "config.h"

#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "core/loop.h"
#include "core/signame.h"

static int pipe_rd = -1;
static int pipe_wr = -1;
static pid_t self; /* getpid() once, not once per signal */
/* A signal whose byte did not fit in a full pipe; read back after the pipe is drained. */
static volatile sig_atomic_t overflow[NSIG];
static volatile sig_atomic_t overflowed;

/*
 * Whether a caught signal is an event to pass on. A SIGPIPE or SIGXFSZ that pid1's own write
 * raised is not: the kernel sends those as SI_USER from the writer itself, and the write
 * reports EPIPE. Nor are job-control stops from the terminal driver aimed at pid1's own group
 * (pid1 touched the terminal, or Ctrl-Z while pid1 had the foreground): catching them keeps
 * pid1 from stopping, and passing them on would stop the child for nothing. Sent ones pass.
 */
static bool is_event(int signo, const siginfo_t *info)
{
	if (info == NULL)
		return true;
	if (info->si_code == SI_USER && info->si_pid == self)
		return false;
	return !(info->si_code == SI_KERNEL &&
		 (signo == SIGTSTP || signo == SIGTTIN || signo == SIGTTOU));
}

static void on_signal(int signo, siginfo_t *info, void *ctx)
{
	int saved = errno;
	unsigned char byte = (unsigned char)signo;

	(void)ctx;
	if (is_event(signo, info) && write(pipe_wr, &byte, 1) != 1) {
		overflow[signo] = 1;
		overflowed = 1;
	}
	errno = saved;
}

/*
 * The kernel's own sigaction and signal mask, for the signals the C library keeps from
 * sigaction() and sigset_t, and one system call a signal. The handler comes first; the
 * fields after it stay zero, which is all SIG_IGN and SIG_DFL need. A uint64_t is the
 * kernel's sigset on every 64-bit Linux and on 32-bit little-endian ones; MIPS (128
 * signals, flags first) and 32-bit big-endian machines would need their own.
 */
struct raw_sigaction {
	union {
		void (*handler)(int);
		void (*action)(int, siginfo_t *, void *);
	};
	unsigned long rest[4];
};

#define BIT(signo) SIGNAME_BIT(signo)

#if defined(__mips__) || (__SIZEOF_LONG__ == 4 && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
#error "pid1's raw signal calls do not know this machine's kernel sigset and sigaction layout"
#endif

static int raw_sigaction(int signo, const struct raw_sigaction *sa, struct raw_sigaction *old)
{
	return (int)syscall(SYS_rt_sigaction, signo, sa, old, sizeof(uint64_t));
}

static int raw_sigmask(int how, uint64_t set, uint64_t *old)
{
	return (int)syscall(SYS_rt_sigprocmask, how, &set, old, sizeof(uint64_t));
}

/* The C library's sigset_t holds the kernel's words first, signal N at bit N-1. */
static void bits_to_sigset(uint64_t bits, sigset_t *set)
{
	unsigned long *words = (unsigned long *)(void *)set;
	size_t i;

	sigemptyset(set);
	for (i = 0; i * 8 * sizeof(long) < 64; i++)
		words[i] = (unsigned long)(bits >> (i * 8 * sizeof(long)));
}

/*
 * The signals pid1 catches: all but SIGKILL and SIGSTOP, which cannot be caught, the
 * synchronous faults (catching SEGV and friends in PID 1 would loop forever on the faulting
 * instruction) and the reserved ones. Those from SIGNAME_RTMIN up to the C library's
 * SIGRTMIN (musl: 34) are real-time signals for every other program; pid1 is
 * single-threaded, so the library never uses them, and pid1 catches them like the rest.
 */
static uint64_t catchable_signals(void)
{
	return ~(BIT(SIGKILL) | BIT(SIGSTOP) | SIGNAME_FAULTS | SIGNAME_RESERVED);
}

void loop_block_all(struct signal_setup *setup)
{
	setup->start_mask = 0;
	raw_sigmask(SIG_BLOCK, ~SIGNAME_RESERVED, &setup->start_mask);
}

/*
 * The kernel's sigaction for on_signal, with the flags, mask and return trampoline the C
 * library gives its own handlers: read back from the kernel after a sigaction() for model
 * that keeps model's disposition (SIG_DFL or SIG_IGN after exec). That one installs no
 * handler, and must not: musl unblocks 33 and 34 on the first handler installed, and a 34
 * held since start-up would then meet its default action, not pid1's handler. Every handler
 * is then installed with the raw call.
 */
static int handler_action(int model, struct raw_sigaction *sa)
{
	struct sigaction keep;

	if (sigaction(model, NULL, &keep) < 0)
		return -1;
	keep.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&keep.sa_mask);
	if (sigaction(model, &keep, NULL) < 0 || raw_sigaction(model, NULL, sa) < 0)
		return -1;
	sa->action = on_signal;
	return 0;
}

/*
 * Gives each signal in bits the disposition sa; *set gets those that took it, *ignored
 * those of them that were ignored before. One system call a signal, nothing else.
 */
static void set_dispositions(uint64_t bits, const struct raw_sigaction *sa, uint64_t *set,
			     uint64_t *ignored)
{
	struct raw_sigaction old;
	int signo;

	*set = *ignored = 0;
	for (; bits != 0; bits &= bits - 1) {
		signo = __builtin_ctzll(bits) + 1;
		old.handler = SIG_DFL;
		if (raw_sigaction(signo, sa, &old) < 0)
			continue;
		*set |= BIT(signo);
		if (old.handler == SIG_IGN)
			*ignored |= BIT(signo);
	}
}

void loop_restore_signals(const struct signal_setup *setup)
{
	const struct raw_sigaction ign = {.handler = SIG_IGN}, dfl = {.handler = SIG_DFL};
	uint64_t done, was;

	set_dispositions(setup->caught & ~setup->caught_ignored, &dfl, &done, &was);
	set_dispositions(setup->caught & setup->caught_ignored, &ign, &done, &was);
	set_dispositions(setup->reserved & ~setup->reserved_ignored, &dfl, &done, &was);
}

void loop_restore_mask(const struct signal_setup *setup)
{
	raw_sigmask(SIG_SETMASK, setup->start_mask, NULL);
}

int loop_init(struct loop *loop, struct signal_setup *setup)
{
	const struct raw_sigaction ign = {.handler = SIG_IGN};
	const uint64_t needed = BIT(SIGCHLD) | BIT(SIGTERM) | BIT(SIGINT);
	struct raw_sigaction sa;
	int fds[2];

	loop->nsources = 0;
	loop->pipe_behind = false;
	self = getpid();
	/* The reserved ones cannot be caught: ignored, so they cannot kill a pid1 not PID 1. */
	set_dispositions(SIGNAME_RESERVED, &ign, &setup->reserved, &setup->reserved_ignored);
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	pipe_rd = fds[0];
	pipe_wr = fds[1];
	if (handler_action(SIGTERM, &sa) < 0)
		return -1;
	set_dispositions(catchable_signals(), &sa, &setup->caught, &setup->caught_ignored);
	loop->caught_bits = setup->caught;
	/* Without these pid1 could neither reap nor be stopped: refuse to run so. */
	if ((setup->caught & needed) != needed) {
		errno = EINVAL;
		return -1;
	}
	bits_to_sigset(setup->start_mask & ~setup->caught, &loop->wait_mask);
	/* Blocked outside ppoll() like the rest, whatever the C library did with them. */
	return raw_sigmask(SIG_BLOCK, setup->caught, NULL);
}

#ifndef SYS_rt_sigtimedwait
#define SYS_rt_sigtimedwait SYS_rt_sigtimedwait_time64
#endif

/*
 * Takes the caught signals pending now, in the order the kernel would deliver them (lowest
 * number first, queued real-time ones in the order they came), unless the pipe holds bytes
 * that came before them. The kernel's call takes the signals the C library hides from
 * sigset_t; an all-zero timespec reads the same in every time_t layout.
 */
static size_t take_pending(struct loop *loop, int *sigs, size_t n)
{
	struct timespec zero = {0, 0};
	siginfo_t info = {0}; /* zeroed once: the analyzers cannot see the kernel fill it */
	size_t have = 0;
	long signo;

	if (loop->pipe_behind || overflowed)
		return 0;
	while (have < n) {
		signo = syscall(SYS_rt_sigtimedwait, &loop->caught_bits, &info, &zero,
				sizeof(uint64_t));
		if (signo <= 0)
			break;
		if (is_event((int)signo, &info))
			sigs[have++] = (int)signo;
	}
	return have;
}

/* Moves flags the handler could not fit into the pipe into sigs. */
static size_t take_overflow(int *sigs, size_t n, size_t have)
{
	int signo;

	if (!overflowed)
		return have;
	overflowed = 0;
	for (signo = 1; signo < NSIG && have < n; signo++) {
		if (overflow[signo]) {
			overflow[signo] = 0;
			sigs[have++] = signo;
		}
	}
	/* Not all fit this time: keep the flag so the next call picks up the rest. */
	if (signo < NSIG)
		overflowed = 1;
	return have;
}

/* Reads signal numbers from the pipe, then the overflow flags, until sigs is full. */
static size_t take_pipe(struct loop *loop, int *sigs, size_t n)
{
	unsigned char buf[256];
	size_t have = 0, i;
	ssize_t got;

	while (have < n) {
		size_t want = n - have < sizeof(buf) ? n - have : sizeof(buf);

		got = read(pipe_rd, buf, want);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		for (i = 0; i < (size_t)got; i++)
			sigs[have++] = buf[i];
		/* A short read emptied the pipe: another read would only say EAGAIN. */
		if ((size_t)got < want)
			break;
	}
	have = take_overflow(sigs, n, have);
	loop->pipe_behind = have == n;
	return have;
}

int loop_add(struct loop *loop, int fd, short events, loop_handler *handler, void *ctx)
{
	size_t i;

	for (i = 0; i < loop->nsources && loop->sources[i].fd >= 0; i++)
		;
	if (i >= LOOP_MAX_SOURCES) {
		errno = ENOSPC;
		return -1;
	}
	loop->sources[i] = (struct loop_source){fd, events, true, handler, ctx};
	if (i == loop->nsources)
		loop->nsources++;
	return 0;
}

static struct loop_source *find_source(struct loop *loop, int fd)
{
	size_t i;

	for (i = 0; fd >= 0 && i < loop->nsources; i++)
		if (loop->sources[i].fd == fd)
			return &loop->sources[i];
	errno = ENOENT;
	return NULL;
}

int loop_set_events(struct loop *loop, int fd, short events)
{
	struct loop_source *src = find_source(loop, fd);

	if (src == NULL)
		return -1;
	src->events = events;
	return 0;
}

int loop_remove(struct loop *loop, int fd)
{
	struct loop_source *src = find_source(loop, fd);

	if (src == NULL)
		return -1;
	src->fd = -1;
	while (loop->nsources > 0 && loop->sources[loop->nsources - 1].fd < 0)
		loop->nsources--;
	return 0;
}

/* Runs the handlers of what poll found ready, skipping a source removed or replaced since. */
static void run_sources(struct loop *loop, const struct pollfd *pfds, size_t n)
{
	struct loop_source *src;
	size_t i;

	for (i = 0; i < n; i++) {
		src = &loop->sources[i];
		if (pfds[i].revents != 0 && !src->fresh && src->fd == pfds[i].fd)
			src->handler(loop, pfds[i].fd, pfds[i].revents, src->ctx);
	}
}

/* A poll timeout for a deadline: 0 once it has passed, at most an hour. */
static int timeout_until(int64_t deadline_ms)
{
	int64_t left = deadline_ms - loop_now_ms();

	/* A later deadline is simply looked at again then. */
	if (left <= 0)
		return 0;
	return left > 60 * 60 * 1000 ? 60 * 60 * 1000 : (int)left;
}

/*
 * Signals come out in the order they came: those pending in the kernel first, else the
 * pipe's bytes, then the flags of those that did not fit in it.
 */
size_t loop_wait(struct loop *loop, int64_t deadline_ms, int *sigs, size_t n)
{
	struct pollfd pfds[1 + LOOP_MAX_SOURCES];
	struct timespec ts, *tsp = NULL;
	int timeout_ms = deadline_ms < 0 ? -1 : timeout_until(deadline_ms);
	const sigset_t *mask = &loop->wait_mask;
	size_t have, i, npfds = loop->nsources;
	int ready;

	/* Signals that came while pid1 worked wait in the kernel: taken first, with no sleep. */
	have = take_pending(loop, sigs, n);
	if (have > 0 && npfds == 0)
		return have;
	pfds[0] = (struct pollfd){.fd = pipe_rd, .events = POLLIN};
	/* poll skips a negative fd: a paused source cannot wake it. */
	for (i = 0; i < npfds; i++) {
		loop->sources[i].fresh = false;
		pfds[1 + i] = (struct pollfd){
		    .fd = loop->sources[i].events != 0 ? loop->sources[i].fd : -1,
		    .events = loop->sources[i].events,
		};
	}
	if (overflowed || have > 0)
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
	ready = ppoll(pfds, 1 + npfds, tsp, mask);
	if (ready < 0 && errno != EINTR)
		return have;
	if (ready > 0)
		run_sources(loop, pfds + 1, npfds);
	if (have > 0)
		return have;
	return take_pipe(loop, sigs, n);
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
