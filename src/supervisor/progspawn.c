// SPDX-License-Identifier: MIT
/*
 * A program's process comes to be: what it is handed besides its config (the notify socket
 * and watchdog of ready = notify, the write end of its ready pipe, its output pipes) is set
 * up before child_spawn() and pid1's side of each kept after it. What the start means for
 * the program's state is the supervisor's business, not this file's.
 *
 * Each spawn's exec-error pipe is a loop source until it says how the exec went. Distrusted:
 * the child between fork and exec runs as the program's user, who may stop it there for as
 * long as they like; so the pipe is only ever read without blocking, and a program's result
 * waits here for the supervisor to take it (handlers record, the loop acts).
 */
#include "config.h"

#include <poll.h>
#include <stddef.h>
#include <unistd.h>

#include "core/child.h"
#include "output/log.h"
#include "core/loop.h"
#include "readiness/inbox.h"
#include "readiness/notifysocket.h"
#include "output/labelled.h"
#include "supervisor/progspawn.h"
#include "core/target.h"

static void drop(struct loop *loop, struct exec_watch *e)
{
	if (!e->open)
		return;
	loop_remove(loop, e->fd);
	close(e->fd);
	e->open = false;
}

/* Reads what the pipe says, if anything yet; once it has spoken, it is closed. */
static void take_in(struct loop *loop, struct spawn_watch *w, struct exec_watch *e)
{
	enum child_exec r = child_exec_read(e->fd, &e->failure);

	if (r == CHILD_EXEC_PENDING)
		return;
	e->seen = r;
	w->ndone += r == CHILD_EXEC_DONE;
	drop(loop, e);
}

static void on_readable(struct loop *loop, int fd, short revents, void *ctx)
{
	struct spawn_watch *w = ctx;
	size_t i;

	(void)revents;
	for (i = 0; i < sizeof(w->execs) / sizeof(w->execs[0]); i++)
		if (w->execs[i].open && w->execs[i].fd == fd)
			take_in(loop, w, &w->execs[i]);
}

/* Watches pid1's end of the new pipe of p. */
static void watch(struct loop *loop, struct spawn_watch *w, struct program *p, struct exec_watch *e,
		  int fd)
{
	e->open = fd >= 0;
	e->fd = fd;
	e->seen = CHILD_EXEC_PENDING;
	if (fd >= 0 && loop_add(loop, fd, POLLIN, on_readable, w) == 0)
		return;
	/* No pipe or no room: it counts as started, as it did before exec was watched at all. */
	if (fd < 0 && !w->warned) {
		log_warn(
		    "too few file descriptors to watch the start of %s: it counts as started "
		    "at once, and an exec error shows only as its exit code, as may others' later",
		    p->name);
		w->warned = true;
	} else if (fd >= 0) {
		log_warn("cannot watch the start of %s: %m", p->name);
	}
	drop(loop, e);
	e->seen = CHILD_EXEC_DONE;
	w->ndone++;
}

pid_t progspawn_run(struct pid1_state *st, struct program *p, int *code)
{
	size_t slot = (size_t)(p - st->programs);
	int errfd = -1;
	pid_t pid;

	p->spawn.notify_socket =
	    p->ready_mode == READY_NOTIFY ? notifysocket_address(st->notify) : NULL;
	p->spawn.watchdog_ms = p->watchdog_conf_ms;
	inbox_pipe_prepare(st, p, slot);
	if (p->output != NULL)
		output_open(p->output, &p->spawn.out_fd, &p->spawn.err_fd);
	pid = child_spawn(&p->spawn, &errfd, code);
	if (pid > 0)
		target_spawned(p, pid);
	if (p->output != NULL)
		output_spawned(p->output);
	inbox_pipe_spawned(st, p, slot, pid);
	if (pid > 0)
		watch(st->loop, &st->spawns, p, &st->spawns.execs[slot], errfd);
	return pid;
}

bool progspawn_pending(const struct pid1_state *st)
{
	return st->spawns.ndone > 0;
}

enum child_exec progspawn_take(struct pid1_state *st, struct program *p, bool reaped, int *code)
{
	struct exec_watch *e = &st->spawns.execs[p - st->programs];
	enum child_exec r;

	/* Its process is gone: every end of the pipe is closed, so the read cannot wait. */
	if (reaped && e->open)
		take_in(st->loop, &st->spawns, e);
	r = e->seen;
	/* A failure is acted on at the reap, whose status then matches what was logged. */
	if (r == CHILD_EXEC_PENDING || (r == CHILD_EXEC_FAILED && !reaped))
		return CHILD_EXEC_PENDING;
	e->seen = CHILD_EXEC_PENDING;
	if (r == CHILD_EXEC_DONE) {
		st->spawns.ndone--;
		return r;
	}
	*code = child_exec_report(&p->spawn, &e->failure);
	return r;
}
