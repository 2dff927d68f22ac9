// SPDX-License-Identifier: MIT
/*
 * pid1's own sd_notify client. The socket's address comes from pid1's environment (trusted,
 * as the command line is); messages go out on a non-blocking datagram socket, so a stuck
 * service manager costs a dropped message, never a blocked pid1. The watchdog is petted at
 * half its period from the loop's deadline: that is the only wake-up it adds.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "readiness/manager.h"

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
