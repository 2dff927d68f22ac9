/* SPDX-License-Identifier: MIT */
/*
 * Reading pid1's environment. getenv() costs a strncmp() call for every entry it passes
 * (musl), and pid1 reads several names at start-up from environments that may hold many.
 */
#ifndef PID1_ENV_H
#define PID1_ENV_H

/* The value of name in pid1's environment (the first entry wins), or NULL. */
const char *env_get(const char *name);

#endif
