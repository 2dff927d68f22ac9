/* SPDX-License-Identifier: MIT */
/*
 * One log target's fd and how a line reaches it without waiting: stderr examined once,
 * the syslog socket connected on demand, every write one that cannot block. Used by log.c.
 */
#ifndef PID1_LOGSINK_H
#define PID1_LOGSINK_H

#include <stdbool.h>
#include <stddef.h>

/* Where lines go, and how many this target dropped since it last took one. */
struct sink {
	int fd;		/* -1 when closed or absent */
	bool sock;	/* a socket: send() with MSG_DONTWAIT instead of poll() and write() */
	bool nowait;	/* a shared pipe or terminal: pwritev2() with RWF_NOWAIT, see put() */
	bool owned;	/* opened here, so closed here */
	bool tty;	/* a terminal: see sink_put() on SIGTTOU */
	bool connected; /* the syslog socket reached /dev/log */
	unsigned long pending;
};

void sink_close(struct sink *s);

/* Sets s up to write stderr, or leaves it closed when fd 2 is not pid1's to write. */
void sink_stderr(struct sink *s);

/* Connects s to /dev/log, creating the socket first. Returns 0 when connected. */
int sink_connect_syslog(struct sink *s);

/* One attempt to hand buf to s without blocking. Returns 0 when all of buf went out. */
int sink_put(const struct sink *s, const char *buf, size_t len);

#endif
