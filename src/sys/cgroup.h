/* SPDX-License-Identifier: MIT */
/*
 * The kernel's count of OOM kills in pid1's memory cgroup: cgroup v2's memory.events, or
 * cgroup v1's memory.oom_control, both "oom_kill N". A program's end by SIGKILL is put down
 * to the OOM killer when the count rose since the last look.
 */
#ifndef PID1_CGROUP_H
#define PID1_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

struct cgroup_oom {
	char path[PATH_MAX]; /* the file with the count; "" when none was found */
	uint64_t seen;	     /* the count at the last look */
};

/*
 * Finds the file from /proc/self/cgroup (the cgroup's own directory, else the hierarchy's
 * root, as a container without a cgroup namespace has its own cgroup mounted there) and takes
 * the count as it is now. -1 when there is none: nothing is ever put down to the OOM killer.
 */
int cgroup_oom_open(struct cgroup_oom *c);

/* The same from the text of a /proc/PID/cgroup, with cgroupfs mounted at root. */
int cgroup_oom_find(struct cgroup_oom *c, const char *root, const char *cgroups);

/* Whether the count rose since the last look; it is then the new last look. */
bool cgroup_oom_rose(struct cgroup_oom *c);

#endif
