// SPDX-License-Identifier: MIT
/*
 * rundir: created 0755 with missing parents, refused when a symlink, someone else's or
 * writable by others; sockets bound with their mode, even past sun_path's length; a stale
 * socket replaced, a live one and a non-socket left alone; unbind removes only its own file.
 * A client finds a directory under the same rules, creates nothing, and connects through it.
 * The abstract name is the PID namespace's: one holder at a time, no file, reached by name.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/rundir.h"
#include "check.h"

static char top[PATH_MAX];

static const char *at(const char *rel)
{
	/* Two at a time, for symlink(at(a), at(b)). */
	static char buf[2][PATH_MAX * 2];
	static int i;

	i = !i;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", top, rel);
	return buf[i];
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	fail_unless(lstat(path, &st) == 0);
	return st.st_mode;
}

static void test_create(void)
{
	struct rundir rd;

	fail_unless(rundir_open(&rd, at("a/b/run")) == 0);
	fail_unless(S_ISDIR(mode_of(at("a/b/run"))));
	fail_unless((mode_of(at("a/b/run")) & 07777) == 0755);
	fail_unless((mode_of(at("a/b")) & 07777) == 0755);
	rundir_close(&rd);
	/* Opening it again is fine, trailing slash and all. */
	fail_unless(rundir_open(&rd, at("a/b/run/")) == 0);
	rundir_close(&rd);
	fail_unless(rundir_open(&rd, "relative/run") == -1 && errno == EINVAL);
	fail_unless(rundir_open(&rd, "/") == -1 && errno == EINVAL);
}

static void test_refusals(void)
{
	struct rundir rd;

	fail_unless(mkdir(at("target"), 0700) == 0);
	fail_unless(symlink(at("target"), at("link")) == 0);
	fail_unless(rundir_open(&rd, at("link")) == -1 && errno == ELOOP);
	fail_unless(strstr(rd.error, "symlink") != NULL);

	fail_unless(mkdir(at("open"), 0700) == 0 && chmod(at("open"), 0770) == 0);
	fail_unless(rundir_open(&rd, at("open")) == -1 && errno == EPERM);

	if (geteuid() == 0) {
		fail_unless(mkdir(at("theirs"), 0700) == 0 && chown(at("theirs"), 65534, 0) == 0);
		fail_unless(rundir_open(&rd, at("theirs")) == -1 && errno == EPERM);
		/* Missing parents are not created where others may write. */
		fail_unless(mkdir(at("pub"), 0777) == 0 && chmod(at("pub"), 01777) == 0);
		fail_unless(rundir_open(&rd, at("pub/x/run")) == -1 && errno == EPERM);
		/* The last component alone may be, there: it is checked after. */
		fail_unless(rundir_open(&rd, at("pub/run")) == 0);
		rundir_close(&rd);
	}
}

static void test_bind(void)
{
	struct rundir rd;
	struct rundir_sock s, t;
	char deep[PATH_MAX];
	size_t i;

	fail_unless(rundir_open(&rd, at("sock")) == 0);
	fail_unless(rundir_bind(&rd, "ctl", SOCK_STREAM, 0600, &s) == 0 && s.fd >= 0);
	fail_unless(S_ISSOCK(mode_of(at("sock/ctl"))));
	fail_unless((mode_of(at("sock/ctl")) & 07777) == 0600);
	fail_unless(listen(s.fd, 4) == 0);
	/* A live one is left alone. */
	fail_unless(rundir_bind(&rd, "ctl", SOCK_STREAM, 0600, &t) == -1 && errno == EADDRINUSE);
	/* A stale one (nobody listening any more) is replaced. */
	close(s.fd);
	fail_unless(rundir_bind(&rd, "ctl", SOCK_STREAM, 0600, &s) == 0);
	/* A datagram socket, another mode. */
	fail_unless(rundir_bind(&rd, "dg", SOCK_DGRAM, 0660, &t) == 0);
	fail_unless((mode_of(at("sock/dg")) & 07777) == 0660);
	/* Unbind removes its own file only. */
	rundir_unbind(&rd, &t);
	fail_unless(access(at("sock/dg"), F_OK) == -1);
	fail_unless(rundir_bind(&rd, "dg", SOCK_DGRAM, 0600, &t) == 0);
	fail_unless(unlink(at("sock/dg")) == 0 && mkfifo(at("sock/dg"), 0600) == 0);
	rundir_unbind(&rd, &t);
	fail_unless(S_ISFIFO(mode_of(at("sock/dg"))));
	/* Not a socket: refused, whatever it is. */
	fail_unless(rundir_bind(&rd, "dg", SOCK_DGRAM, 0600, &t) == -1 && errno == EEXIST);
	fail_unless(symlink("/etc/passwd", at("sock/sl")) == 0);
	fail_unless(rundir_bind(&rd, "sl", SOCK_STREAM, 0600, &t) == -1 && errno == EEXIST);
	fail_unless(rundir_bind(&rd, "../x", SOCK_STREAM, 0600, &t) == -1 && errno == EINVAL);
	rundir_unbind(&rd, &s);
	rundir_close(&rd);

	/* Far past sun_path's 108 bytes. */
	strlcpy(deep, top, sizeof(deep));
	strlcat(deep, "/", sizeof(deep));
	for (i = 0; i < 6; i++)
		strlcat(deep, "a-long-directory-name-for-a-socket/", sizeof(deep));
	strlcat(deep, "run", sizeof(deep));
	fail_unless(strlen(deep) > 200);
	fail_unless(rundir_open(&rd, deep) == 0);
	fail_unless(rundir_bind(&rd, "ctl", SOCK_STREAM, 0600, &s) == 0);
	rundir_unbind(&rd, &s);
	rundir_close(&rd);
}

static void test_find(void)
{
	struct rundir rd, found;
	struct rundir_sock s;
	int fd;

	/* Missing: ENOENT, and nothing is made. */
	fail_unless(rundir_find(&rd, at("nowhere/run")) == -1 && errno == ENOENT);
	fail_unless(access(at("nowhere"), F_OK) == -1);
	fail_unless(rundir_find(&rd, at("link")) == -1 && errno == ELOOP);
	fail_unless(rundir_find(&rd, at("open")) == -1 && errno == EPERM);
	if (geteuid() == 0)
		fail_unless(rundir_find(&rd, at("theirs")) == -1 && errno == EPERM);

	/* Far past sun_path's 108 bytes, as made by rundir_open. */
	fail_unless(rundir_open(&rd, at("find/a-long-directory-name-for-a-socket/"
					"a-long-directory-name-for-a-socket/"
					"a-long-directory-name-for-a-socket/run")) == 0);
	fail_unless(strlen(rd.path) > 120);
	fail_unless(rundir_bind(&rd, "ctl", SOCK_STREAM, 0600, &s) == 0 && listen(s.fd, 1) == 0);
	fail_unless(rundir_find(&found, rd.path) == 0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	fail_unless(fd >= 0 && rundir_connect(&found, fd, "ctl") == 0);
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	fail_unless(fd >= 0 && rundir_connect(&found, fd, "none") == -1 && errno == ENOENT);
	close(fd);
	rundir_close(&found);
	rundir_unbind(&rd, &s);
	rundir_close(&rd);
}

static void test_abstract(void)
{
	char name[RUNDIR_ABSTRACT_MAX], want[RUNDIR_ABSTRACT_MAX], small[8];
	struct stat st;
	int fd, again, c;

	fail_unless(stat("/proc/self/ns/pid", &st) == 0);
	snprintf(want, sizeof(want), "test-%d-%llu", (int)getpid(), (unsigned long long)st.st_ino);
	fail_unless(rundir_abstract_name(want, name, sizeof(name)) == 0);
	fail_unless(strncmp(name, want, strlen(want)) == 0 && name[strlen(want)] == '-');
	/* Cut to fit, it would name another socket. */
	fail_unless(rundir_abstract_name("pid1-control", small, sizeof(small)) == -1 &&
		    errno == ENAMETOOLONG);
	fd = rundir_abstract_bind(name, SOCK_STREAM);
	fail_unless(fd >= 0 && listen(fd, 1) == 0);
	again = rundir_abstract_bind(name, SOCK_STREAM);
	fail_unless(again == -1 && errno == EADDRINUSE);
	c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	fail_unless(c >= 0 && rundir_abstract_connect(c, name) == 0);
	close(c);
	close(fd);
	/* Gone with its fd: nothing left to remove. */
	c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	fail_unless(c >= 0 && rundir_abstract_connect(c, name) == -1 && errno == ECONNREFUSED);
	close(c);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char cmd[PATH_MAX + 16];

	snprintf(top, sizeof(top), "%s/rundir-XXXXXX", tmp != NULL ? tmp : "/tmp");
	fail_unless(mkdtemp(top) != NULL);
	test_create();
	test_refusals();
	test_bind();
	test_find();
	test_abstract();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	fail_unless(system(cmd) == 0);
	printf("rundir: ok\n");
	return 0;
}
