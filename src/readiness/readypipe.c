// SPDX-License-Identifier: MIT
/*
 * The read ends of the programs' ready pipes. Distrusted: a program may write anything, as
 * much as it likes, or never close its end. pid1 only looks for newlines, reads a bounded
 * amount per wake-up (the rest waits for the next turn of the loop, so a flood cannot hold
 * pid1), never blocks (O_NONBLOCK on pid1's end only: the program's end stays as a program
 * expects it), and stops watching at end of file. A new pipe per start means a process left
 * over from an earlier start cannot make the new one look ready.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "output/log.h"
#include "core/loop.h"
#include "readiness/inbox.h"
#include "readiness/readypipe.h"

/* Bytes read per wake-up, at most: a few reads of a small buffer. */
#define READ_CHUNK  256
#define READ_ROUNDS 16

/* Each program's read end (-1: none), and its index as the handler's context. */
static struct {
	int fd;
	pid_t pid; /* the process the pipe was made for */
	size_t idx;
} ends[CONF_MAX_PROGRAMS + 1];
static bool inited;

static void init(void)
{
	size_t i;

	if (inited)
		return;
	for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		ends[i].fd = -1;
		ends[i].idx = i;
	}
	inited = true;
}

static void drop(struct loop *loop, size_t idx)
{
	if (ends[idx].fd < 0)
		return;
	loop_remove(loop, ends[idx].fd);
	close(ends[idx].fd);
	ends[idx].fd = -1;
}

static void on_readable(struct loop *loop, int fd, short revents, void *ctx)
{
	size_t idx = *(const size_t *)ctx, round;
	char buf[READ_CHUNK];
	bool newline = false;
	struct notice *n;
	ssize_t got = -1;

	(void)revents;
	for (round = 0; round < READ_ROUNDS; round++) {
		got = read(fd, buf, sizeof(buf));
		if (got <= 0)
			break;
		if (memchr(buf, '\n', (size_t)got) != NULL)
			newline = true;
	}
	n = newline || got == 0 ? notice_of(idx, ends[idx].pid) : NULL;
	if (newline && n != NULL)
		n->ready = n->alive = true;
	/* End of file: every holder closed it, as a program does once it said it is ready. */
	if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
		if (n != NULL && !newline)
			n->hung_closed = true;
		drop(loop, idx);
	}
}

int readyfd_prepare(struct loop *loop, struct program *p, size_t idx)
{
	int fds[2];

	if (p->ready_mode < READY_FD_MIN || idx >= sizeof(ends) / sizeof(ends[0]))
		return 0;
	init(); /* only once a program reads ready = fd:N: the table is 65 slots */
	drop(loop, idx);
	if (pipe2(fds, O_CLOEXEC) < 0 || fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0) {
		log_err("cannot create the ready pipe of %s: %m", p->name);
		/* Its spawn then fails on the missing fd, as any failed start. */
		p->spawn.ready_fd = p->ready_mode;
		p->spawn.ready_pipe = -1;
		return -1;
	}
	ends[idx].fd = fds[0];
	p->spawn.ready_fd = p->ready_mode;
	p->spawn.ready_pipe = fds[1];
	return 0;
}

void readyfd_spawned(struct loop *loop, struct program *p, size_t idx, pid_t pid)
{
	if (p->spawn.ready_fd <= 0)
		return;
	close(p->spawn.ready_pipe);
	p->spawn.ready_pipe = -1;
	if (pid <= 0) {
		drop(loop, idx);
		return;
	}
	ends[idx].pid = pid;
	if (loop_add(loop, ends[idx].fd, POLLIN, on_readable, &ends[idx].idx) < 0) {
		log_err("cannot watch the ready fd of %s: %m", p->name);
		drop(loop, idx);
	}
}

void readyfd_close_all(struct loop *loop)
{
	size_t i;

	for (i = 0; inited && i < sizeof(ends) / sizeof(ends[0]); i++)
		if (ends[i].fd >= 0)
			drop(loop, i);
}
