/* SPDX-License-Identifier: MIT */
/*
 * The self-pipe and the signal handler behind loop_init() and the mask functions (declared
 * in core/loop.h), as loop_wait() sees them: the fd to poll, the mask inside ppoll(), and the
 * signals taken in the order they came.
 */
#ifndef PID1_LOOPSIG_H
#define PID1_LOOPSIG_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

/* The read end of the self-pipe, for ppoll(). */
int loopsig_fd(void);

/* The mask inside ppoll(): pid1's starting mask less the caught signals. */
const sigset_t *loopsig_wait_mask(void);

/* Whether a signal did not fit in the full pipe and waits as a flag. */
bool loopsig_overflowed(void);

/*
 * Takes into sigs[0..n) the caught signals pending in the kernel, with no handler run,
 * unless the pipe may still hold bytes that came before them. Returns how many.
 */
size_t loopsig_pending(int *sigs, size_t n);

/* Reads the pipe's bytes, then the overflow flags, into sigs[0..n). Returns how many. */
size_t loopsig_read(int *sigs, size_t n);

#endif
