/* SPDX-License-Identifier: MIT */
/*
 * One log target's fd and how a line reaches it without waiting: stderr examined once,
 * the syslog socket connected on demand, every write one that cannot block. Used by output/log.c.
 */
#ifndef PID1_LOGSINK_H
#define PID1_LOGSINK_H

#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>

/* Where lines go, and how many this target dropped since it last took one. */
struct sink {
	int fd;		/* -1 when closed or absent */
	bool sock;	/* a socket: send() with MSG_DONTWAIT instead of poll() and write() */
	bool nowait;	/* a shared pipe or terminal: pwritev2() with RWF_NOWAIT, see put() */
	bool owned;	/* opened here, so closed here */
	bool tty;	/* a terminal: see sink_put() on SIGTTOU */
	bool fifo;	/* a pipe: a write of up to PIPE_BUF goes in whole or not at all */
	bool connected; /* the syslog socket reached /dev/log */
	unsigned long pending;
};

void sink_close(struct sink *s);

/* Sets s up to write stderr, or leaves it closed when fd 2 is not pid1's to write. */
void sink_stderr(struct sink *s);

/* The same for fd which (1 or 2), as pid1 was given it. */
void sink_inherited(struct sink *s, int which);

/* Connects s to /dev/log, creating the socket first. Returns 0 when connected. */
int sink_connect_syslog(struct sink *s);

/* One attempt to hand buf to s without blocking. Returns 0 when all of buf went out. */
int sink_put(const struct sink *s, const char *buf, size_t len);

/*
 * One write of buf to s that does not wait, without sink_put()'s poll(): what went out
 * (maybe less than len), or -1 with errno (EAGAIN: nothing fits now).
 */
ssize_t sink_write(const struct sink *s, const char *buf, size_t len);

#endif
