/* SPDX-License-Identifier: MIT */
/*
 * System calls with up to four arguments, made directly. musl's syscall() takes its
 * arguments as a va_list (about 30 instructions a call), and pid1 makes sixty of them at
 * start-up (one rt_sigaction per signal) and one rt_sigtimedwait per signal in a storm.
 * Returns the kernel's result: -errno on failure, errno untouched.
 */
#ifndef PID1_RAWSYS_H
#define PID1_RAWSYS_H

#include <sys/syscall.h>
#include <errno.h>
#include <unistd.h>

static inline long raw_syscall4(long n, long a, long b, long c, long d)
{
#if defined(__x86_64__)
	register long r10 __asm__("r10") = d;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;

	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
	return x0;
#else
	long ret = syscall(n, a, b, c, d);

	return ret < 0 ? -errno : ret;
#endif
}

#endif
