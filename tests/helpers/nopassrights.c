// SPDX-License-Identifier: MIT
/*
 * nopassrights [-c] PROGRAM [ARG...]: runs PROGRAM as on a kernel older than 6.16, where
 * setsockopt(SOL_SOCKET, SO_PASSRIGHTS) fails with ENOPROTOOPT (a seccomp filter, inherited
 * by everything PROGRAM starts), so that pid1's way without it is tested on any kernel. -c:
 * close_range(2) fails too, with ENOSYS, as before Linux 5.9 or under a runtime's profile.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS 83
#endif
#ifndef __NR_close_range
#define __NR_close_range 436 /* the same on every architecture */
#endif
/* A number no system call has: the close_range test of the filter, left out. */
#define NO_SYSCALL 0xffffffffU
#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#endif
/* The low 32 bits of argument i (little-endian). */
#define ARG(i) (offsetof(struct seccomp_data, args) + 8 * (i))

int main(int argc, char **argv)
{
#ifdef ARCH
	struct sock_filter code[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 0, 9),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NO_SYSCALL, 0, 1), /* close_range with -c */
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_setsockopt, 0, 5),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG(1)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SOL_SOCKET, 0, 3),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG(2)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SO_PASSRIGHTS, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOPROTOOPT),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};
	int opt;

	while ((opt = getopt(argc, argv, "+c")) != -1) {
		if (opt != 'c')
			return 2;
		code[3].k = __NR_close_range;
	}
	if (optind >= argc)
		return 2;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		perror("nopassrights: seccomp");
		return 1;
	}
	execvp(argv[optind], argv + optind);
	perror("nopassrights: exec");
	return 127;
#else
	(void)argc;
	(void)argv;
	fprintf(stderr, "nopassrights: no seccomp filter for this architecture\n");
	return 77;
#endif
}
