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
static int parse_address(struct manager *m, const char *value)
{
	size_t n = strlen(value);

	if ((value[0] != '/' && value[0] != '@') || n < 2 || n > sizeof(m->sd.sa.sun_path)) {
		log_warn("NOTIFY_SOCKET is neither a path nor an abstract name: not used");
		return -1;
	}
	m->sd.sa.sun_family = AF_UNIX;
	memcpy(m->sd.sa.sun_path, value, n);
	if (value[0] == '@')
		m->sd.sa.sun_path[0] = '\0';
	/* A path is NUL-terminated when it fits; an abstract name is exactly its bytes. */
	m->sd.len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
				(value[0] == '/' && n < sizeof(m->sd.sa.sun_path)));
	return 0;
}

void manager_init(struct manager *m, bool pass_through)
{
	const char *socket_env = getenv("NOTIFY_SOCKET");

	if (pass_through)
		return;
	if (socket_env != NULL && parse_address(m, socket_env) == 0) {
		m->sd.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (m->sd.fd < 0)
			log_warn("cannot open a socket to NOTIFY_SOCKET: %m");
		m->sd.period_ms = watchdog_half(getenv("WATCHDOG_USEC"), getenv("WATCHDOG_PID"));
		m->sd.next_ms = loop_now_ms() + m->sd.period_ms;
	}
	/* Meant for pid1: a program with ready = notify gets pid1's own socket instead. */
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

bool manager_active(const struct manager *m)
{
	return m->sd.fd >= 0;
}

bool manager_send(struct manager *m, const char *msg)
{
	ssize_t sent;
	int err;

	if (m->sd.fd < 0)
		return true;
	do
		sent = sendto(m->sd.fd, msg, strlen(msg), MSG_NOSIGNAL,
			      (struct sockaddr *)&m->sd.sa, m->sd.len);
	while (sent < 0 && errno == EINTR);
	err = sent < 0 ? errno : 0;
	if (sent < 0)
		log_debug("cannot notify the service manager: %s", strerror(err));
	/* Only a busy manager is tried again: one that is gone would cost a wake-up a second. */
	m->sd.retry_ms =
	    err == EAGAIN || err == ENOBUFS || err == ENOMEM ? loop_now_ms() + RETRY_MS : -1;
	return m->sd.retry_ms < 0;
}

int64_t manager_deadline(const struct manager *m)
{
	int64_t pet = m->sd.fd >= 0 && m->sd.period_ms > 0 ? m->sd.next_ms : -1;

	return pet < 0 || (m->sd.retry_ms >= 0 && m->sd.retry_ms < pet) ? m->sd.retry_ms : pet;
}

void manager_tick(struct manager *m, int64_t now)
{
	/* The wake-up for a retry is over: the caller sent again what it still had to. */
	if (m->sd.retry_ms >= 0 && now >= m->sd.retry_ms)
		m->sd.retry_ms = -1;
	if (m->sd.fd < 0 || m->sd.period_ms <= 0 || now < m->sd.next_ms)
		return;
	manager_send(m, "WATCHDOG=1");
	m->sd.next_ms = now + m->sd.period_ms;
}

void manager_close(struct manager *m)
{
	if (m->sd.fd >= 0)
		close(m->sd.fd);
	m->sd.fd = -1;
}

static int refuse(struct manager *m, const char *path, const char *why)
{
	char line[PATH_MAX * 2];

	if (m->file.dirfd >= 0)
		close(m->file.dirfd);
	m->file.dirfd = -1;
	service_refuse(line, sizeof(line), "use ready-file", path, why);
	log_fail("%s", line);
	return -1;
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

int readyfile_open(struct manager *m, const char *path)
{
	char dir[PATH_MAX], why_buf[PATH_MAX + 64], *last;
	const char *slash = strrchr(path, '/'), *why;
	struct rundir_walk w;
	int parent;

	/* conf checked that path is absolute and does not end in '/'. */
	if (slash == NULL ||
	    strlcpy(m->file.name, slash + 1, sizeof(m->file.name)) >= sizeof(m->file.name))
		return refuse(m, path, strerror(ENAMETOOLONG));
	if (strcmp(m->file.name, ".") == 0 || strcmp(m->file.name, "..") == 0)
		return refuse(m, path, strerror(EISDIR));
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
		return refuse(m, path, w.stop == WALK_LONG ? strerror(ENAMETOOLONG) : why_buf);
	m->file.dirfd = parent; /* a file in / */
	if (last != NULL) {
		/* /run/pid1 does not exist in a fresh container: its parent must. */
		if (mkdirat(parent, last, 0755) < 0 && errno != EEXIST)
			return refuse(m, path, strerror(errno));
		/* Where others could swap it, a probe looking by path could see another one. */
		if (!rundir_safe_entry(parent, last))
			return refuse(m, path, "its directory's parent lets others replace it");
		m->file.dirfd = openat(parent, last, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(parent);
		if (m->file.dirfd < 0)
			return refuse(m, path, strerror(errno));
	}
	why = check_dir(m->file.dirfd);
	if (why != NULL)
		return refuse(m, path, why);
	/* Left over from an earlier run, it would say ready before anything is. */
	if (unlinkat(m->file.dirfd, m->file.name, 0) < 0 && errno != ENOENT)
		return refuse(m, path, strerror(errno));
	return 0;
}

static void create(struct manager *m)
{
	struct stat st;
	int fd;

	fd = openat(m->file.dirfd, m->file.name,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY,
		    0644);
	if (fd < 0) {
		log_warn("cannot create the ready file %s: %m", m->file.name);
		return;
	}
	if (fstat(fd, &st) == 0) {
		m->file.dev = st.st_dev;
		m->file.ino = st.st_ino;
		m->file.exists = true;
	}
	close(fd);
}

/* Removes the name only while it is still the file pid1 created. */
static void remove_file(struct manager *m)
{
	struct stat st;

	m->file.exists = false;
	if (fstatat(m->file.dirfd, m->file.name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_dev != m->file.dev || st.st_ino != m->file.ino)
		return;
	if (unlinkat(m->file.dirfd, m->file.name, 0) < 0)
		log_warn("cannot remove the ready file %s: %m", m->file.name);
}

bool readyfile_active(const struct manager *m)
{
	return m->file.dirfd >= 0;
}

void readyfile_set(struct manager *m, bool ready)
{
	if (m->file.dirfd < 0 || ready == m->file.wanted)
		return;
	m->file.wanted = ready;
	if (ready)
		create(m);
	else if (m->file.exists)
		remove_file(m);
}

void readyfile_close(struct manager *m)
{
	readyfile_set(m, false);
	if (m->file.dirfd >= 0)
		close(m->file.dirfd);
	m->file.dirfd = -1;
}
