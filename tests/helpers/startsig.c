// SPDX-License-Identifier: MIT
/*
 * startsig RUNS OFFSET PROGRAM [ARG...]: runs PROGRAM RUNS times, each as PID 1 of a fresh PID
 * and mount namespace (with its own /proc), and signals it during its start-up, as a
 * `docker stop` right after `docker run` does. OFFSET is main() minus the ELF entry point, in
 * hex (modulo 2^64). Each run stops PROGRAM at main() with a breakpoint, lets it finish its
 * first system call there, then lets it go and waits 0-5 ms before the signal. Before that
 * first system call no program can protect itself: the kernel drops a signal to a namespace's
 * init that has no handler and has not blocked it. Most runs get SIGTERM, every fourth SIGINT.
 * Prints one line per run: "RUN SIGNAL DELAY_US RESULT MS", RESULT being the exit code or
 * "lost" when the program was still running 2 s after the signal (it is then SIGKILLed).
 * Stops early after 3 lost runs. x86-64 and arm64 only; exits 77 elsewhere, or where it may
 * not create namespaces or trace.
 */
#include "config.h"

#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOST_AFTER_MS 2000
#define MAX_LOST      3

#if defined(__x86_64__)
#define TRAP_INSN 0xccUL /* int3, one byte; the pc ends up after it */
#define TRAP_MASK 0xffUL
#elif defined(__aarch64__)
#define TRAP_INSN 0xd4200000UL /* brk #0, four bytes; the pc stays on it */
#define TRAP_MASK 0xffffffffUL
#endif

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_us(int64_t us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A short delay spins: nanosleep() would add its timer slack, about 50 us. */
static void delay_us(int64_t us)
{
	int64_t end = now_us() + us;

	if (us >= 1000) {
		sleep_us(us);
		return;
	}
	while (now_us() < end)
		;
}

/* The child: PID 1 of the new namespace, with a /proc of its own, traced from its exec. */
static void start(char **argv)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		perror("startsig: namespace");
		_exit(120);
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0) {
		perror("startsig: ptrace");
		_exit(120);
	}
	execv(argv[0], argv);
	perror("startsig: exec");
	_exit(127);
}

static unsigned long entry_of(pid_t pid)
{
	char path[64];
	Elf64_auxv_t aux;
	unsigned long entry = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/auxv", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while (read(fd, &aux, sizeof(aux)) == (ssize_t)sizeof(aux) && aux.a_type != AT_NULL)
		if (aux.a_type == AT_ENTRY)
			entry = aux.a_un.a_val;
	close(fd);
	return entry;
}

/* Waits for the traced child's next stop; -1 if it ended instead. */
static int next_stop(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		return -1;
	return WSTOPSIG(status);
}

/* After the breakpoint: puts the word back and the pc on main. */
static int rewind_to(pid_t pid, unsigned long addr, long word)
{
#if defined(__x86_64__)
	struct user_regs_struct regs;
	struct iovec iov = {.iov_base = &regs, .iov_len = sizeof(regs)};

	if (ptrace(PTRACE_POKETEXT, pid, (void *)addr, (void *)word) < 0 ||
	    ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &iov) < 0)
		return -1;
	if (regs.rip != addr + 1)
		return -1;
	regs.rip = addr;
	return ptrace(PTRACE_SETREGSET, pid, (void *)NT_PRSTATUS, &iov) < 0 ? -1 : 0;
#else
	return ptrace(PTRACE_POKETEXT, pid, (void *)addr, (void *)word) < 0 ? -1 : 0;
#endif
}

/*
 * Runs the child to the end of its first system call in main() and lets it go. Returns 0, or
 * -1 (the child is then killed).
 */
static int release_after_main(pid_t pid, unsigned long offset)
{
	unsigned long entry, addr;
	long word;
	int i, sig;

	if (next_stop(pid) != SIGTRAP) /* the exec */
		return -1;
	entry = entry_of(pid);
	if (entry == 0 || ptrace(PTRACE_SETOPTIONS, pid, NULL,
				 (void *)(PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD)) < 0)
		return -1;
	addr = entry + offset;
	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, pid, (void *)addr, NULL);
	if (errno != 0 ||
	    ptrace(PTRACE_POKETEXT, pid, (void *)addr,
		   (void *)(((unsigned long)word & ~TRAP_MASK) | TRAP_INSN)) < 0 ||
	    ptrace(PTRACE_CONT, pid, NULL, NULL) < 0 || next_stop(pid) != SIGTRAP ||
	    rewind_to(pid, addr, word) < 0)
		return -1;
	/* The entry and the exit of the first system call. */
	for (i = 0; i < 2; i++) {
		if (ptrace(PTRACE_SYSCALL, pid, NULL, NULL) < 0)
			return -1;
		sig = next_stop(pid);
		if (sig != (SIGTRAP | 0x80))
			return -1;
	}
	return ptrace(PTRACE_DETACH, pid, NULL, NULL) < 0 ? -1 : 0;
}

/* Waits up to LOST_AFTER_MS for the child's end: its exit code, or -1 if it is still there. */
static int wait_end(pid_t pid, int64_t *took_us)
{
	int64_t start = now_us();
	int status;
	pid_t got;

	for (;;) {
		got = waitpid(pid, &status, WNOHANG);
		*took_us = now_us() - start;
		if (got == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (*took_us >= LOST_AFTER_MS * 1000)
			return -1;
		sleep_us(500);
	}
}

/* Delays from a fixed sequence: half the runs within 100 us, where start-up races are. */
static int64_t delay_for(unsigned int run)
{
	uint32_t x = run * 2654435761u;

	x ^= x >> 15;
	return run % 2 ? (int64_t)(x % 100) : (int64_t)(x % 5000);
}

static int one_run(unsigned int run, unsigned long offset, char **argv)
{
	int sig = run % 4 == 3 ? SIGINT : SIGTERM;
	int64_t delay = delay_for(run), took;
	pid_t pid;
	int code;

	fflush(stdout);
	/* clone: unshare(CLONE_NEWPID) works once per process, and each run needs its own. */
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		perror("startsig: clone");
		return errno == EPERM ? -2 : -1;
	}
	if (pid == 0)
		start(argv);
	if (release_after_main(pid, offset) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &code, 0);
		/* 120: no namespace or ptrace here (seccomp, Yama): not pid1's fault. */
		if (WIFEXITED(code) && WEXITSTATUS(code) == 120)
			return -2;
		fprintf(stderr, "startsig: run %u: cannot stop the program at main()\n", run);
		return -1;
	}
	delay_us(delay);
	kill(pid, sig);
	code = wait_end(pid, &took);
	if (code < 0) {
		printf("%u %s %lld lost %lld\n", run, sig == SIGTERM ? "TERM" : "INT",
		       (long long)delay, (long long)(took / 1000));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return 1;
	}
	printf("%u %s %lld %d %lld\n", run, sig == SIGTERM ? "TERM" : "INT", (long long)delay, code,
	       (long long)(took / 1000));
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long runs, offset, run;
	int lost = 0, r;

#ifndef TRAP_INSN
	(void)argc;
	(void)argv;
	fprintf(stderr, "startsig: no breakpoint support for this architecture\n");
	return 77;
#else
	if (argc < 4) {
		fprintf(stderr, "usage: startsig RUNS OFFSET PROGRAM [ARG...]\n");
		return 2;
	}
	runs = strtoul(argv[1], NULL, 10);
	offset = strtoul(argv[2], NULL, 16);
	for (run = 0; run < runs && lost < MAX_LOST; run++) {
		r = one_run((unsigned int)run, offset, argv + 3);
		if (r < 0)
			return r == -2 ? 77 : 1;
		lost += r;
	}
	return 0;
#endif
}
