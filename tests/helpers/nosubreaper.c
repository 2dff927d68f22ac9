// SPDX-License-Identifier: MIT
/*
 * nosubreaper PROGRAM [ARG...]: runs PROGRAM under a seccomp filter that refuses
 * prctl(PR_SET_CHILD_SUBREAPER) with EPERM and allows everything else, as a container
 * runtime's seccomp profile may. The filter is raw BPF: no libseccomp needed.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#if defined(__x86_64__)
#define THIS_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define THIS_ARCH AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define THIS_ARCH AUDIT_ARCH_I386
#endif

int main(int argc, char **argv)
{
#ifndef THIS_ARCH
	(void)argc;
	(void)argv;
	fprintf(stderr, "nosubreaper: unknown architecture\n");
	return 77;
#else
	struct sock_filter code[] = {
	    /* Another architecture's system call numbers mean something else: allow them. */
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, THIS_ARCH, 0, 5),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_prctl, 0, 3),
	    /* The low 32 bits of the first argument: the option (an int). */
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_CHILD_SUBREAPER, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};

	if (argc < 2) {
		fprintf(stderr, "usage: nosubreaper PROGRAM [ARG...]\n");
		return 2;
	}
	/* Needed unless root; harmless for a test that starts nothing set-user-ID. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		fprintf(stderr, "nosubreaper: cannot install the filter: %s\n", strerror(errno));
		return 1;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "nosubreaper: %s: %s\n", argv[1], strerror(errno));
	return 127;
#endif
}
