/* SPDX-License-Identifier: MIT */
/*
 * Signal names <-> numbers: "SIGTERM", "TERM", "term", "15", "SIGRTMIN+3".
 * Pure functions; no state, no logging.
 */
#ifndef PID1_SIGNAME_H
#define PID1_SIGNAME_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Returns the signal number named by s, or -1 when s names no signal. */
int signame_parse(const char *s);

/*
 * Writes the canonical name of signo ("SIGTERM", "SIGRTMIN+3") into buf.
 * Returns buf, or "SIG?" text with the number when signo is unknown.
 */
const char *signame_name(int signo, char *buf, size_t len);

/*
 * True for the synchronous faults (SEGV, BUS, FPE, ILL, TRAP, SYS): raised by the faulting
 * instruction itself, so pid1 leaves them at their default and never maps them.
 */
bool signame_is_fault(int signo);

/* The same faults as a mask of the kernel's signals 1 to 64, bit N-1 for signal N. */
#define SIGNAME_BIT(signo) (UINT64_C(1) << ((signo)-1))
#define SIGNAME_FAULTS                                                                             \
	(SIGNAME_BIT(SIGSEGV) | SIGNAME_BIT(SIGBUS) | SIGNAME_BIT(SIGFPE) | SIGNAME_BIT(SIGILL) |  \
	 SIGNAME_BIT(SIGTRAP) | SIGNAME_BIT(SIGSYS))

/*
 * SIGRTMIN as Linux's tools name it (kill(1), systemd, Docker, glibc): signal 34. A C
 * library may place its own higher (musl keeps 32-34, so its SIGRTMIN is 35); names never
 * follow it.
 */
#define SIGNAME_RTMIN 34

/*
 * True for the real-time signals below SIGNAME_RTMIN, 32 and 33, which the C library keeps
 * for its threads (glibc and musl alike): it leaves them out of sigfillset and refuses to
 * install a handler, so pid1 does not catch them. kill() still sends them.
 */
bool signame_is_reserved(int signo);

/* The reserved ones, 32 and 33 (the kernel's first real-time signals), as a mask. */
#define SIGNAME_RESERVED (SIGNAME_BIT(32) | SIGNAME_BIT(33))

/* Enough room for any name signame_name writes. */
#define SIGNAME_MAX 16

#endif
