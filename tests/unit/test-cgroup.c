// SPDX-License-Identifier: MIT
/*
 * Finding the OOM-kill count from a /proc/PID/cgroup, in a cgroupfs of the test's own: cgroup
 * v2 (memory.events, as on current Kubernetes nodes), v1 (memory.oom_control), both mounted
 * (v1's memory controller wins), the hierarchy's root when the cgroup's own directory is not
 * there (a container without a cgroup namespace), and a rise seen once.
 */
#include "config.h"

#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sys/cgroup.h"

static char root[64];

/* Writes text to root/rel, making its directories. */
static void put(const char *rel, const char *text)
{
	char path[PATH_MAX], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash != NULL;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	fail_unless(f != NULL);
	fputs(text, f);
	fail_unless(fclose(f) == 0);
}

static const char *ends(const struct cgroup_oom *c)
{
	return c->path + strlen(root);
}

static void test_v2(void)
{
	struct cgroup_oom c;

	/* oom_group_kill is another counter: only the oom_kill line counts. */
	put("kubepods/pod1/ctr/memory.events",
	    "low 0\nhigh 0\nmax 9\noom 3\noom_group_kill 7\noom_kill 2\n");
	fail_unless(cgroup_oom_find(&c, root, "0::/kubepods/pod1/ctr\n") == 0);
	fail_unless(strcmp(ends(&c), "/kubepods/pod1/ctr/memory.events") == 0);
	fail_unless(c.seen == 2);
	fail_unless(!cgroup_oom_rose(&c));
	put("kubepods/pod1/ctr/memory.events", "oom 4\noom_kill 3\n");
	fail_unless(cgroup_oom_rose(&c));
	fail_unless(c.seen == 3);
	fail_unless(!cgroup_oom_rose(&c));
	/* A cgroup namespace: "/" is the container's own, mounted at the root. */
	put("memory.events", "oom_kill 5\n");
	fail_unless(cgroup_oom_find(&c, root, "0::/\n") == 0 && c.seen == 5);
	/* Its own directory not there: the root's. */
	fail_unless(cgroup_oom_find(&c, root, "0::/elsewhere") == 0);
	fail_unless(strcmp(ends(&c), "/memory.events") == 0);
}

static void test_v1(void)
{
	struct cgroup_oom c;

	put("memory/docker/abc/memory.oom_control",
	    "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
	fail_unless(cgroup_oom_find(&c, root,
				    "12:pids:/docker/abc\n4:cpu,memory:/docker/abc\n0::/\n") == 0);
	fail_unless(strcmp(ends(&c), "/memory/docker/abc/memory.oom_control") == 0);
	fail_unless(c.seen == 1);
	/* Before the v2 line or after it, v1's memory controller is the one. */
	fail_unless(cgroup_oom_find(&c, root, "0::/kubepods/pod1/ctr\n4:memory:/docker/abc") == 0);
	fail_unless(strstr(c.path, "oom_control") != NULL);
	/* A kernel that counts no OOM kills (before 4.13): none found, none ever seen. */
	put("memory/old/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n");
	fail_unless(cgroup_oom_find(&c, root, "4:memory:/old\n") == -1);
	fail_unless(c.path[0] == '\0' && !cgroup_oom_rose(&c));
	fail_unless(cgroup_oom_find(&c, root, "3:cpu:/x\n") == -1);
	fail_unless(cgroup_oom_find(&c, root, "") == -1);
}

int main(void)
{
	char cmd[128];

	strcpy(root, "/tmp/pid1-cgroup-XXXXXX");
	fail_unless(mkdtemp(root) != NULL);
	test_v2();
	test_v1();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : 99;
}
