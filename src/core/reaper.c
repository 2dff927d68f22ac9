// SPDX-License-Identifier: MIT
/*
 * Reaping. Signals coalesce: one SIGCHLD may stand for a thousand exits, so every wake-up
 * calls waitpid(-1, WNOHANG) until nothing is left. A program's end goes to the supervisor
 * at once, which is what keeps pid1 from ever signalling a reaped pid; it acts on it only
 * after the reaping is done.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <errno.h>
#include <syslog.h>
#include <unistd.h>

#include "core/reaper.h"
#include "core/child.h"
#include "output/log.h"

int reaper_init(struct pid1_state *st, bool force)
{
	st->is_pid1 = getpid() == 1;
	if (st->is_pid1 && !force)
		return 0;
	/* Outside a PID namespace orphans go to the nearest subreaper: make that us. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		return -1;
	st->subreaper = true;
	if (st->is_pid1)
		log_debug("registered as child subreaper as asked, although PID 1");
	else
		log_debug(
		    "not PID 1 (pid %d): registered as child subreaper so orphans come to pid1",
		    (int)getpid());
	return 0;
}

void reaper_orphan(const struct pid1_state *st, pid_t pid, int status)
{
	char how[64];

	if (st->conf->warn_on_reap)
		log_warn("reaped zombie %d, %s", (int)pid,
			 exitcode_describe(status, how, sizeof(how)));
	else if (log_get_level() >= LOG_DEBUG) /* skip describe() when nothing is written */
		log_debug("reaped orphan %d, %s", (int)pid,
			  exitcode_describe(status, how, sizeof(how)));
}

bool reaper_next(struct pid1_state *st, pid_t *pid, int *status)
{
	for (;;) {
		/* WUNTRACED: a program stopped by Ctrl-Z is news too, see supervisor/supervise.c.
		 */
		*pid = waitpid(-1, status, WNOHANG | WUNTRACED);
		if (*pid > 0)
			return true;
		if (*pid < 0 && errno == EINTR)
			continue;
		/* 0: children remain, none has exited; ECHILD: nothing is left at all. */
		st->children_left = *pid == 0;
		return false;
	}
}
