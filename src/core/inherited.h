/* SPDX-License-Identifier: MIT */
/*
 * What pid1 was started with and hands to the child only: the working directory and the
 * open fds above 2. Once the child runs, pid1 keeps neither.
 */
#ifndef PID1_INHERITED_H
#define PID1_INHERITED_H

#include "supervisor/state.h"

/*
 * Once nothing can start again: changes to / and closes every inherited fd above 2, so pid1
 * pins no mount and holds no pipe or socket open behind the child's back. Each program
 * without a workdir first gets the starting directory's path, so one started on request
 * later starts where it first did. Under a restart policy both are kept, since the next
 * start needs them; a relative pidfile or log file keeps the directory.
 */
void inherited_release(struct pid1_state *st);

#endif
