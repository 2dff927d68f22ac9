// SPDX-License-Identifier: MIT
/*
 * pid1's own sd_notify client. The socket's address comes from pid1's environment (trusted,
 * as the command line is); messages go out on a non-blocking datagram socket, so a stuck
 * service manager costs a dropped message, never a blocked pid1. The watchdog is petted at
 * half its period from the loop's deadline: that is the only wake-up it adds.
 *
 * The ready file's directory could be one others can write to, so pid1 trusts it only
 * after checking it (a directory, owned by pid1's user or root, writable by nobody else: in
 * a sticky /tmp another user could create the name first and a probe believe it), reached
 * one name at a time through directories nobody else could swap a name in, and works
 * inside it through that checked fd alone: the file is created with O_CREAT|O_EXCL|O_NOFOLLOW
 * (nothing planted there is ever opened or followed), and removed only while the name still
 * is the very file pid1 created.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "readiness/manager.h"
#include "sys/rundir.h"
#include "sys/service.h"

static struct {
	int fd;
	struct sockaddr_un sa;
	socklen_t len;
	int64_t period_ms; /* half of WATCHDOG_USEC; 0: no watchdog */
	int64_t next_ms;   /* when to pet it next */
	int64_t retry_ms;  /* when to wake up to send again what was refused; -1: nothing */
} sd = {.fd = -1, .retry_ms = -1};

/* A full queue refused a message: it is sent again this long after, not lost. */
#define RETRY_MS 1000

/* WATCHDOG_USEC, when WATCHDOG_PID (if set) names pid1: half of it in ms, else 0. */
static int64_t watchdog_half(const char *usec, const char *pid)
{
	const char *err = NULL;
	long long us;

	if (usec == NULL || (pid != NULL && strtol(pid, NULL, 10) != (long)getpid()))
		return 0;
	us = strtonum(usec, 2000, LLONG_MAX, &err);
	return err == NULL ? (int64_t)(us / 2000) : 0;
}

/* The address of NOTIFY_SOCKET: a path, or '@' for an abstract name. */
static int parse_address(const char *value)
{
	size_t n = strlen(value);

	if ((value[0] != '/' && value[0] != '@') || n < 2 || n > sizeof(sd.sa.sun_path)) {
		log_warn("NOTIFY_SOCKET is neither a path nor an abstract name: not used");
		return -1;
	}
	sd.sa.sun_family = AF_UNIX;
	memcpy(sd.sa.sun_path, value, n);
	if (value[0] == '@')
		sd.sa.sun_path[0] = '\0';
	/* A path is NUL-terminated when it fits; an abstract name is exactly its bytes. */
	sd.len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
			     (value[0] == '/' && n < sizeof(sd.sa.sun_path)));
	return 0;
}

void manager_init(bool pass_through)
{
	const char *socket_env = getenv("NOTIFY_SOCKET");

	if (pass_through)
		return;
	if (socket_env != NULL && parse_address(socket_env) == 0) {
		sd.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (sd.fd < 0)
			log_warn("cannot open a socket to NOTIFY_SOCKET: %m");
		sd.period_ms = watchdog_half(getenv("WATCHDOG_USEC"), getenv("WATCHDOG_PID"));
		sd.next_ms = loop_now_ms() + sd.period_ms;
	}
	/* Meant for pid1: a program with ready = notify gets pid1's own socket instead. */
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

bool manager_active(void)
{
	return sd.fd >= 0;
}

bool manager_send(const char *msg)
{
	ssize_t sent;
	int err;

	if (sd.fd < 0)
		return true;
	do
		sent = sendto(sd.fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sd.sa,
			      sd.len);
	while (sent < 0 && errno == EINTR);
	err = sent < 0 ? errno : 0;
	if (sent < 0)
		log_debug("cannot notify the service manager: %s", strerror(err));
	/* Only a busy manager is tried again: one that is gone would cost a wake-up a second. */
	sd.retry_ms =
	    err == EAGAIN || err == ENOBUFS || err == ENOMEM ? loop_now_ms() + RETRY_MS : -1;
	return sd.retry_ms < 0;
}

int64_t manager_deadline(void)
{
	int64_t pet = sd.fd >= 0 && sd.period_ms > 0 ? sd.next_ms : -1;

	return pet < 0 || (sd.retry_ms >= 0 && sd.retry_ms < pet) ? sd.retry_ms : pet;
}

void manager_tick(int64_t now)
{
	/* The wake-up for a retry is over: the caller sent again what it still had to. */
	if (sd.retry_ms >= 0 && now >= sd.retry_ms)
		sd.retry_ms = -1;
	if (sd.fd < 0 || sd.period_ms <= 0 || now < sd.next_ms)
		return;
	manager_send("WATCHDOG=1");
	sd.next_ms = now + sd.period_ms;
}

void manager_close(void)
{
	if (sd.fd >= 0)
		close(sd.fd);
	sd.fd = -1;
}

static struct {
	int dirfd;
	char name[NAME_MAX + 1];
	bool exists; /* pid1 created it and it has not been removed */
	bool wanted; /* what the last call asked for: a failure is not retried until it changes */
	dev_t dev;   /* the file pid1 created */
	ino_t ino;
} file = {-1, "", false, false, 0, 0};

static int refuse(const char *path, const char *why)
{
	if (file.dirfd >= 0)
		close(file.dirfd);
	file.dirfd = -1;
	return service_refuse("use ready-file", path, why);
}

/* A directory pid1 may create files in without others swapping them. */
static const char *check_dir(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return strerror(errno);
	if (!S_ISDIR(st.st_mode))
		return "its directory is not a directory";
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return "its directory is owned by another user";
	/* Even sticky: another user could create the name first, and a probe believe it. */
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return "its directory is writable by others";
	return NULL;
}

int readyfile_open(const char *path)
{
	char dir[PATH_MAX], why_buf[PATH_MAX + 64], *last;
	const char *slash = strrchr(path, '/'), *why;
	struct rundir_walk w;
	int parent;

	/* conf checked that path is absolute and does not end in '/'. */
	if (slash == NULL || strlcpy(file.name, slash + 1, sizeof(file.name)) >= sizeof(file.name))
		return refuse(path, strerror(ENAMETOOLONG));
	if (strcmp(file.name, ".") == 0 || strcmp(file.name, "..") == 0)
		return refuse(path, strerror(EISDIR));
	/* dir, without trailing slashes: its parent is walked to, then its last name opened. */
	strlcpy(dir, path, (size_t)(slash - path) + 1);
	while ((last = strrchr(dir, '/')) != NULL && last[1] == '\0')
		*last = '\0';
	if (last != NULL)
		*last++ = '\0';
	parent = rundir_walk(dir, strlen(dir), false, &w);
	if (parent < 0 && w.stop == WALK_SHARED)
		snprintf(why_buf, sizeof(why_buf),
			 "%.*s is another user's or others may write to it",
			 w.name == dir + 1 ? 1 : (int)(w.name - dir - 1), dir);
	else if (parent < 0 && w.stop == WALK_OPEN)
		snprintf(why_buf, sizeof(why_buf), "%.*s: %s", (int)(w.end - dir), dir,
			 strerror(errno));
	if (parent < 0)
		return refuse(path, w.stop == WALK_LONG ? strerror(ENAMETOOLONG) : why_buf);
	file.dirfd = parent; /* a file in / */
	if (last != NULL) {
		/* /run/pid1 does not exist in a fresh container: its parent must. */
		if (mkdirat(parent, last, 0755) < 0 && errno != EEXIST)
			return refuse(path, strerror(errno));
		/* Where others could swap it, a probe looking by path could see another one. */
		if (!rundir_safe_entry(parent, last))
			return refuse(path, "its directory's parent lets others replace it");
		file.dirfd = openat(parent, last, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(parent);
		if (file.dirfd < 0)
			return refuse(path, strerror(errno));
	}
	why = check_dir(file.dirfd);
	if (why != NULL)
		return refuse(path, why);
	/* Left over from an earlier run, it would say ready before anything is. */
	if (unlinkat(file.dirfd, file.name, 0) < 0 && errno != ENOENT)
		return refuse(path, strerror(errno));
	return 0;
}

static void create(void)
{
	struct stat st;
	int fd;

	fd = openat(file.dirfd, file.name,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY,
		    0644);
	if (fd < 0) {
		log_warn("cannot create the ready file %s: %m", file.name);
		return;
	}
	if (fstat(fd, &st) == 0) {
		file.dev = st.st_dev;
		file.ino = st.st_ino;
		file.exists = true;
	}
	close(fd);
}

/* Removes the name only while it is still the file pid1 created. */
static void remove_file(void)
{
	struct stat st;

	file.exists = false;
	if (fstatat(file.dirfd, file.name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != file.dev ||
	    st.st_ino != file.ino)
		return;
	if (unlinkat(file.dirfd, file.name, 0) < 0)
		log_warn("cannot remove the ready file %s: %m", file.name);
}

bool readyfile_active(void)
{
	return file.dirfd >= 0;
}

void readyfile_set(bool ready)
{
	if (file.dirfd < 0 || ready == file.wanted)
		return;
	file.wanted = ready;
	if (ready)
		create();
	else if (file.exists)
		remove_file();
}

void readyfile_close(void)
{
	readyfile_set(false);
	if (file.dirfd >= 0)
		close(file.dirfd);
	file.dirfd = -1;
}
