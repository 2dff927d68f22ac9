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

/* Each program's exec-error pipe while open, and what it said, indexed like the programs. */
static struct {
	bool open;
	int fd;
	enum child_exec seen; /* PENDING until the handler read an end or a record */
	struct child_failure failure;
	size_t idx; /* the handler's context */
} execs[CONF_MAX_PROGRAMS + 1];
static size_t ndone; /* successful execs seen by the handler, not yet taken */
static bool warned;  /* a start went unwatched for want of fds: said once */

static void drop(size_t idx)
{
	if (!execs[idx].open)
		return;
	loop_remove(execs[idx].fd);
	close(execs[idx].fd);
	execs[idx].open = false;
}

/* Reads what the pipe says, if anything yet; once it has spoken, it is closed. */
static void take_in(size_t idx)
{
	enum child_exec r = child_exec_read(execs[idx].fd, &execs[idx].failure);

	if (r == CHILD_EXEC_PENDING)
		return;
	execs[idx].seen = r;
	ndone += r == CHILD_EXEC_DONE;
	drop(idx);
}

static void on_readable(int fd, short revents, void *ctx)
{
	(void)fd;
	(void)revents;
	take_in(*(const size_t *)ctx);
}

/* Watches pid1's end of the new pipe of program idx. */
static void watch(struct program *p, size_t idx, int fd)
{
	execs[idx].open = fd >= 0;
	execs[idx].fd = fd;
	execs[idx].seen = CHILD_EXEC_PENDING;
	execs[idx].idx = idx;
	if (fd >= 0 && loop_add(fd, POLLIN, on_readable, &execs[idx].idx) == 0)
		return;
	/* No pipe or no room: it counts as started, as it did before exec was watched at all. */
	if (fd < 0 && !warned) {
		log_warn(
		    "too few file descriptors to watch the start of %s: it counts as started "
		    "at once, and an exec error shows only as its exit code, as may others' later",
		    p->name);
		warned = true;
	} else if (fd >= 0) {
		log_warn("cannot watch the start of %s: %m", p->name);
	}
	drop(idx);
	execs[idx].seen = CHILD_EXEC_DONE;
	ndone++;
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
		watch(p, slot, errfd);
	return pid;
}

bool progspawn_pending(void)
{
	return ndone > 0;
}

enum child_exec progspawn_take(struct pid1_state *st, struct program *p, bool reaped, int *code)
{
	size_t slot = (size_t)(p - st->programs);
	enum child_exec r;

	/* Its process is gone: every end of the pipe is closed, so the read cannot wait. */
	if (reaped && execs[slot].open)
		take_in(slot);
	r = execs[slot].seen;
	/* A failure is acted on at the reap, whose status then matches what was logged. */
	if (r == CHILD_EXEC_PENDING || (r == CHILD_EXEC_FAILED && !reaped))
		return CHILD_EXEC_PENDING;
	execs[slot].seen = CHILD_EXEC_PENDING;
	if (r == CHILD_EXEC_DONE) {
		ndone--;
		return r;
	}
	*code = child_exec_report(&p->spawn, &execs[slot].failure);
	return r;
}
