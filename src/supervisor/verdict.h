/* SPDX-License-Identifier: MIT */
/*
 * pid1's exit code, from the table of programs once the supervisor is done with it.
 */
#ifndef PID1_VERDICT_H
#define PID1_VERDICT_H

#include "supervisor/state.h"

/* pid1's exit code, remaps applied, logged with the reason. */
int verdict_exit_code(const struct pid1_state *st);

#endif
