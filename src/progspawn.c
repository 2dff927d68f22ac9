// SPDX-License-Identifier: MIT
/*
 * A program's process comes to be: what it is handed besides its config (the notify socket
 * and watchdog of ready = notify, the write end of its ready pipe, its output pipes) is set
 * up before child_spawn() and pid1's side of each kept after it. What the start means for
 * the program's state is the supervisor's business, not this file's.
 */
#include "config.h"

#include <stddef.h>

#include "child.h"
#include "notify.h"
#include "output.h"
#include "progspawn.h"
#include "readyfd.h"
#include "target.h"

pid_t progspawn_run(struct pid1_state *st, struct program *p, int *code)
{
	size_t slot = (size_t)(p - st->programs);
	pid_t pid;

	p->spawn.notify_socket = p->ready_mode == READY_NOTIFY ? notify_address() : NULL;
	p->spawn.watchdog_ms = p->watchdog_conf_ms;
	readyfd_prepare(p, slot);
	if (p->output != NULL)
		output_open(p->output, &p->spawn.out_fd, &p->spawn.err_fd);
	pid = child_spawn(&p->spawn, code);
	if (pid > 0)
		target_spawned(p, pid);
	if (p->output != NULL)
		output_spawned(p->output);
	readyfd_spawned(p, slot, pid);
	return pid;
}
