// SPDX-License-Identifier: MIT
/*
 * The inbox's table, allocated at start-up and held by the state: nothing here grows with
 * what a program sends. And the ready pipes' read ends. Distrusted: a program may write
 * anything, as much as it likes, or never close its end. pid1 only looks for newlines, reads
 * a bounded amount per wake-up (the rest waits for the next turn of the loop, so a flood
 * cannot hold pid1), never blocks (O_NONBLOCK on pid1's end only: the program's end stays as
 * a program expects it), and stops watching at end of file. A new pipe per start means a
 * process left over from an earlier start cannot make the new one look ready.
 */
#include "config.h"

#include <sys/mman.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "core/child.h"
#include "core/loop.h"
#include "core/log.h"
#include "readiness/inbox.h"
#include "state/state.h"

/* The pipes first: their page, touched at start-up, is then the first notices' too. */
struct inbox {
	struct loop *loop;
	int pipes[INBOX_SLOTS];	      /* the ready pipes' read ends, -1: none */
	pid_t pipe_pids[INBOX_SLOTS]; /* the process each was made for */
	struct notice notes[INBOX_SLOTS];
};

static void clear(struct notice *n)
{
	*n = (struct notice){.extend_ms = -1, .watchdog_ms = -1};
}

int inbox_open(struct pid1_state *st)
{
	struct inbox *in;
	size_t i;

	for (i = 0; i < st->nprograms; i++)
		if (st->programs[i].ready_mode == READY_NOTIFY ||
		    st->programs[i].ready_mode >= READY_FD_MIN)
			break;
	if (i == st->nprograms)
		return 0;
	/* Zeroed pages the kernel backs only once written, as .bss: no calloc touching all. */
	in = mmap(NULL, sizeof(*in), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (in == MAP_FAILED) {
		log_err("cannot allocate the table of what programs say: %m");
		return -1;
	}
	for (i = 0; i < INBOX_SLOTS; i++)
		in->pipes[i] = -1;
	in->loop = st->loop;
	st->inbox = in;
	return 0;
}

struct notice *inbox_of(struct inbox *in, size_t idx, pid_t pid)
{
	struct notice *n;

	if (in == NULL || idx >= INBOX_SLOTS)
		return NULL;
	n = &in->notes[idx];
	/* A zeroed entry (never used) reads as "nothing", like a cleared one. */
	if (!n->pending || n->pid != pid)
		clear(n);
	n->pending = true;
	n->pid = pid;
	return n;
}

bool inbox_take(struct inbox *in, size_t idx, struct notice *out)
{
	if (in == NULL || idx >= INBOX_SLOTS || !in->notes[idx].pending)
		return false;
	*out = in->notes[idx];
	clear(&in->notes[idx]);
	return true;
}

/* Bytes read per wake-up, at most: a few reads of a small buffer. */
#define READ_CHUNK  256
#define READ_ROUNDS 16

static void drop(struct inbox *in, size_t idx)
{
	if (in->pipes[idx] < 0)
		return;
	loop_remove(in->loop, in->pipes[idx]);
	close(in->pipes[idx]);
	in->pipes[idx] = -1;
}

static void on_readable(struct loop *loop, int fd, short revents, void *ctx)
{
	struct inbox *in = ctx;
	char buf[READ_CHUNK];
	bool newline = false;
	size_t idx, round;
	struct notice *n;
	ssize_t got = -1;

	(void)loop;
	(void)revents;
	for (idx = 0; idx < INBOX_SLOTS && in->pipes[idx] != fd; idx++)
		;
	if (idx == INBOX_SLOTS)
		return;
	for (round = 0; round < READ_ROUNDS; round++) {
		got = read(fd, buf, sizeof(buf));
		if (got <= 0)
			break;
		if (memchr(buf, '\n', (size_t)got) != NULL)
			newline = true;
	}
	n = newline || got == 0 ? inbox_of(in, idx, in->pipe_pids[idx]) : NULL;
	if (newline && n != NULL)
		n->ready = n->alive = true;
	/* End of file: every holder closed it, as a program does once it said it is ready. */
	if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
		if (n != NULL && !newline)
			n->hung_closed = true;
		drop(in, idx);
	}
}

int inbox_pipe_prepare(struct pid1_state *st, struct program *p, size_t idx)
{
	int fds[2];

	if (p->ready_mode < READY_FD_MIN || idx >= INBOX_SLOTS)
		return 0;
	p->spawn.ready_fd = p->ready_mode;
	p->spawn.ready_pipe = -1;
	if (st->inbox == NULL)
		return -1;
	drop(st->inbox, idx);
	if (child_pipe(fds) < 0) {
		log_err("cannot create the ready pipe of %s: %m", p->name);
		/* Its spawn then fails on the missing fd, as any failed start. */
		return -1;
	}
	st->inbox->pipes[idx] = fds[0];
	p->spawn.ready_pipe = fds[1];
	return 0;
}

void inbox_pipe_spawned(struct pid1_state *st, struct program *p, size_t idx, pid_t pid)
{
	struct inbox *in = st->inbox;

	if (p->spawn.ready_fd <= 0)
		return;
	if (p->spawn.ready_pipe >= 0)
		close(p->spawn.ready_pipe);
	p->spawn.ready_pipe = -1;
	if (in == NULL)
		return;
	if (pid <= 0) {
		drop(in, idx);
		return;
	}
	in->pipe_pids[idx] = pid;
	if (loop_add(in->loop, in->pipes[idx], POLLIN, on_readable, in) < 0) {
		log_err("cannot watch the ready fd of %s: %m", p->name);
		drop(in, idx);
	}
}

void inbox_close(struct pid1_state *st)
{
	size_t i;

	for (i = 0; st->inbox != NULL && i < INBOX_SLOTS; i++)
		drop(st->inbox, i);
	if (st->inbox != NULL)
		munmap(st->inbox, sizeof(*st->inbox));
	st->inbox = NULL;
}
