// SPDX-License-Identifier: MIT
/*
 * The self-pipe: one handler for every signal pid1 catches writes the signal number as one
 * byte to a non-blocking, close-on-exec pipe, on whose read end loop_wait() (loop.c) sleeps.
 * The handler does nothing else: all work happens in the loop, outside async context.
 * The caught signals stay blocked except inside that ppoll(), so handlers run at that one
 * point: a burst of one standard signal that arrives while pid1 works is merged by the kernel
 * into one delivery, as with tini's sigtimedwait and catatonit's signalfd, instead of a
 * handler run, a pipe byte and a forward each. ppoll() lets one handler run per call, so
 * before it sleeps again the loop takes what is pending with a zero-timeout sigtimedwait, in
 * the kernel's delivery order: a burst costs one more trip round the loop, not one per
 * signal, and in a storm pid1 forwards from sigtimedwait without a handler or pipe byte each.
 * (A handler mask that let the other caught signals in would run their handlers nested, the
 * last first: the batch would come out reversed, and it measured no cheaper.)
 * The pipe's fds and the overflow flags are the only mutable globals here: the handler needs
 * them. The only file with sigaction but child.c, which resets what this one set.
 */
#include "config.h"

#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "loopsig.h"
#include "signame.h"

static int pipe_rd = -1;
static int pipe_wr = -1;
static pid_t self; /* getpid() once, not once per signal */
/* A signal whose byte did not fit in a full pipe; read back after the pipe is drained. */
static volatile sig_atomic_t overflow[NSIG];
static volatile sig_atomic_t overflowed;
static sigset_t wait_mask;   /* the mask inside ppoll(): the handled signals let through */
static uint64_t caught_bits; /* bit N-1: signal N has on_signal, hidden ones included */
static bool pipe_behind;     /* the last read filled the caller's array: bytes may be left */

/*
 * Synchronous faults stay at their default: catching SEGV and friends in PID 1 would loop
 * forever on the faulting instruction. SIGKILL and SIGSTOP cannot be caught.
 */
static bool catchable(int signo)
{
	return signo != SIGKILL && signo != SIGSTOP && !signame_is_fault(signo);
}

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
 * sigaction() and sigset_t. Every architecture pid1 builds for puts the handler first; the
 * fields after it (flags, restorer, mask) stay zero, which is all SIG_IGN and SIG_DFL need.
 */
struct raw_sigaction {
	union {
		void (*handler)(int);
		void (*action)(int, siginfo_t *, void *);
	};
	unsigned long rest[4];
};

static int raw_sigaction(int signo, const struct raw_sigaction *sa, struct raw_sigaction *old)
{
	return (int)syscall(SYS_rt_sigaction, signo, sa, old, sizeof(uint64_t));
}

static int raw_sigmask(int how, uint64_t set, uint64_t *old)
{
	return (int)syscall(SYS_rt_sigprocmask, how, &set, old, sizeof(uint64_t));
}

/* Sets signo's disposition with the raw system call; *was_ignored tells what it had. */
static int raw_disposition(int signo, void (*handler)(int), bool *was_ignored)
{
	struct raw_sigaction sa = {.handler = handler}, old = {0};

	if (raw_sigaction(signo, &sa, &old) < 0)
		return -1;
	if (was_ignored != NULL)
		*was_ignored = old.handler == SIG_IGN;
	return 0;
}

/*
 * Signals from SIGNAME_RTMIN up to the C library's SIGRTMIN: real-time signals for every
 * other program, which this C library keeps for itself all the same (musl: 34; glibc: none).
 * pid1 is single-threaded, so the library never uses them, and pid1 catches them like the rest.
 */
static uint64_t hidden_signals(void)
{
	uint64_t set = 0;
	int signo;

	for (signo = SIGNAME_RTMIN; signo < SIGRTMIN && signo <= 64; signo++)
		set |= UINT64_C(1) << (signo - 1);
	return set;
}

void loop_block_all(struct signal_setup *setup)
{
	uint64_t hidden = hidden_signals(), old = 0;
	sigset_t all;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &setup->start_mask);
	setup->hidden_blocked = 0;
	if (hidden != 0 && raw_sigmask(SIG_BLOCK, hidden, &old) == 0)
		setup->hidden_blocked = old & hidden;
}

/*
 * The kernel's sigaction for on_signal, with the flags, mask and return trampoline the C
 * library gives its own handlers: read back from the kernel after a sigaction() for model
 * that keeps model's disposition (SIG_DFL or SIG_IGN after exec). That one installs no
 * handler, and must not: musl unblocks 33 and 34 on the first handler installed, and a 34
 * held since start-up would then meet its default action, not pid1's handler. Every handler
 * is then installed with the raw call: one system call each, not the C library's wrapper.
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

/* Installs sa for signo; *ignored tells whether signo was ignored. */
static bool catch_raw(int signo, const struct raw_sigaction *sa, bool *ignored)
{
	struct raw_sigaction old = {0};

	if (raw_sigaction(signo, sa, &old) < 0)
		return false;
	*ignored = old.handler == SIG_IGN;
	return true;
}

/* on_signal for the hidden signals too, which sigset_t and sigaction() cannot name. */
static void catch_hidden(struct signal_setup *setup, const struct raw_sigaction *sa)
{
	uint64_t hidden = hidden_signals();
	bool ignored;
	int signo;

	setup->hidden_caught = setup->hidden_ignored = 0;
	for (signo = SIGNAME_RTMIN; signo <= 64; signo++) {
		uint64_t bit = UINT64_C(1) << (signo - 1);

		if (!(hidden & bit) || !catch_raw(signo, sa, &ignored))
			continue;
		setup->hidden_caught |= bit;
		if (ignored)
			setup->hidden_ignored |= bit;
	}
}

/* Signals 32 and 33, below SIGNAME_RTMIN, belong to the C library's threads (glibc and musl). */
static void ignore_reserved(struct signal_setup *setup)
{
	bool ignored;
	int signo;

	setup->reserved = setup->reserved_ignored = 0;
#if !defined(__mips__)
	for (signo = 1; signo <= 64; signo++) {
		if (!signame_is_reserved(signo) || raw_disposition(signo, SIG_IGN, &ignored) < 0)
			continue;
		setup->reserved |= UINT64_C(1) << (signo - 1);
		if (ignored)
			setup->reserved_ignored |= UINT64_C(1) << (signo - 1);
	}
#endif
}

void loop_restore_reserved(const struct signal_setup *setup)
{
	int signo;

	for (signo = 32; signo <= 64; signo++) {
		uint64_t bit = UINT64_C(1) << (signo - 1);

		if ((setup->reserved & bit) && !(setup->reserved_ignored & bit))
			raw_disposition(signo, SIG_DFL, NULL);
		if (setup->hidden_caught & bit)
			raw_disposition(signo, setup->hidden_ignored & bit ? SIG_IGN : SIG_DFL,
					NULL);
	}
}

void loop_restore_mask(const struct signal_setup *setup)
{
	sigprocmask(SIG_SETMASK, &setup->start_mask, NULL);
	if (setup->hidden_blocked != 0)
		raw_sigmask(SIG_BLOCK, setup->hidden_blocked, NULL);
}

int loop_init(struct signal_setup *setup)
{
	struct raw_sigaction sa;
	int fds[2], signo;
	bool ignored;

	self = getpid();
	/* sigfillset leaves out the real-time signals the C library keeps for its threads. */
	sigfillset(&setup->caught);
	for (signo = 1; signo < NSIG; signo++)
		if (!catchable(signo))
			sigdelset(&setup->caught, signo);
	ignore_reserved(setup);
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	pipe_rd = fds[0];
	pipe_wr = fds[1];
	if (handler_action(SIGTERM, &sa) < 0)
		return -1;
	catch_hidden(setup, &sa);

	sigemptyset(&setup->start_ignored);
	wait_mask = setup->start_mask;
	for (signo = 1; signo < NSIG && signo <= 64; signo++) {
		if (!sigismember(&setup->caught, signo))
			continue;
		if (!catch_raw(signo, &sa, &ignored)) {
			sigdelset(&setup->caught, signo);
			continue;
		}
		sigdelset(&wait_mask, signo);
		caught_bits |= UINT64_C(1) << (signo - 1);
		if (ignored)
			sigaddset(&setup->start_ignored, signo);
	}
	/* Blocked outside ppoll() like the rest, whatever the C library did with them. */
	if (setup->hidden_caught != 0)
		raw_sigmask(SIG_BLOCK, setup->hidden_caught, NULL);
	caught_bits |= setup->hidden_caught;
	return 0;
}

#ifndef SYS_rt_sigtimedwait
#define SYS_rt_sigtimedwait SYS_rt_sigtimedwait_time64
#endif

/*
 * Takes the caught signals that are pending now, with no handler run, pipe byte or ppoll()
 * each: ppoll() lets one handler run per call, so a burst of different signals would cost a
 * trip round the loop apiece. The kernel hands them over in the order it would have
 * delivered them (lowest number first, queued real-time ones in the order they came). The
 * raw call takes the signals the C library hides from sigset_t; an all-zero timespec reads
 * the same in every time_t layout.
 */
static size_t drain_pending(int *sigs, size_t n, size_t have)
{
	struct timespec zero = {0, 0};
	siginfo_t info;
	long signo;

	while (have < n) {
		signo = syscall(SYS_rt_sigtimedwait, &caught_bits, &info, &zero, sizeof(uint64_t));
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

/* Reads signal numbers from the pipe into sigs until it is empty or sigs is full. */
static size_t drain_pipe(int *sigs, size_t n)
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
	return have;
}

int loopsig_fd(void)
{
	return pipe_rd;
}

const sigset_t *loopsig_wait_mask(void)
{
	return &wait_mask;
}

bool loopsig_overflowed(void)
{
	return overflowed;
}

size_t loopsig_pending(int *sigs, size_t n)
{
	/* Not while the pipe holds bytes that came before them. */
	if (pipe_behind || overflowed)
		return 0;
	return drain_pending(sigs, n, 0);
}

size_t loopsig_read(int *sigs, size_t n)
{
	size_t have = take_overflow(sigs, n, drain_pipe(sigs, n));

	pipe_behind = have == n;
	return have;
}
