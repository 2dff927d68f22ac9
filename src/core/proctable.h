/* SPDX-License-Identifier: MIT */
/*
 * Reading /proc: every process with its parent, group and state, and which of them descend from
 * pid1. Only reads; core/target.c decides whom to signal.
 */
#ifndef PID1_PROCTABLE_H
#define PID1_PROCTABLE_H

#include <sys/types.h>
#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>

struct proc {
	pid_t pid, ppid, pgrp;
	bool zombie;
	bool mine;  /* one of pid1's descendants */
	bool known; /* mine has been worked out */
};

/* A walk of /proc with getdents64 into its own buffer: no DIR, so no allocation per walk. */
struct proc_iter {
	int fd;
	size_t len, pos;
	_Alignas(struct dirent64) char buf[4096];
};

/*
 * Opens /proc for proctable_next(). Returns 0, or -1 when /proc is missing or belongs to another
 * PID namespace (then /proc/self is not our pid and nothing there can be trusted).
 */
int proctable_open(struct proc_iter *it);

/* The next process in /proc; false at the end. */
bool proctable_next(struct proc_iter *it, struct proc *p);

/* Ends a walk. */
void proctable_close(struct proc_iter *it);

/* pid1's own pid as the last proctable_open() saw it. */
pid_t proctable_self(void);

/*
 * Every process, each marked mine when it descends from pid1: the table is kept and only grown
 * until proctable_free(), so walks after the first allocate nothing. Returns the count, or -1.
 */
ssize_t proctable_read(struct proc **procs);

/* Frees the kept table (at exit). */
void proctable_free(void);

#endif
