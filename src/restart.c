// SPDX-License-Identifier: MIT
/*
 * The restart policy. Back-off starts at delay and doubles with each restart counted in the
 * window, up to max-delay; more than limit restarts within the window means the child cannot
 * stay up, and pid1 gives up with the child's last status rather than spin.
 */
#include "config.h"

#include <sys/wait.h>
#include <string.h>

#include "duration.h"
#include "log.h"
#include "loop.h"
#include "restart.h"
#include "state.h"

static bool wanted(const struct pid1_state *st)
{
	int status = st->child_status;

	switch (st->conf->restart.policy) {
	case RESTART_NO:
		return false;
	case RESTART_ON_FAILURE:
		return !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	case RESTART_ALWAYS:
		return true;
	}
	return false;
}

/* Restarts within the window that ends now. */
static size_t recent(const struct pid1_state *st, int64_t now)
{
	const struct restart_conf *rc = &st->conf->restart;
	size_t kept = st->nrestarts < RESTART_LIMIT_MAX ? st->nrestarts : RESTART_LIMIT_MAX;
	size_t n = 0, i;

	for (i = 0; i < kept; i++)
		if (now - st->restart_times[i] < rc->window_ms)
			n++;
	return n;
}

bool restart_schedule(struct pid1_state *st)
{
	const struct restart_conf *rc = &st->conf->restart;
	int64_t now = loop_now_ms(), delay = rc->delay_ms;
	char when[32];
	size_t n, i;

	if (!wanted(st))
		return false;
	n = recent(st, now);
	if (n >= (size_t)rc->limit) {
		log_notice("child restarted %zu times within %s: giving up on restarts", n,
			   duration_format(rc->window_ms, when, sizeof(when)));
		return false;
	}
	for (i = 0; i < n && delay < rc->max_delay_ms; i++)
		delay *= 2;
	if (delay > rc->max_delay_ms)
		delay = rc->max_delay_ms;
	st->restart_times[st->nrestarts % RESTART_LIMIT_MAX] = now + delay;
	st->nrestarts++;
	st->restart_at_ms = now + delay;
	log_notice("restarting the child in %s (restart %zu, %zu within the window)",
		   duration_format(delay, when, sizeof(when)), st->nrestarts, n + 1);
	return true;
}

bool restart_cancel(struct pid1_state *st)
{
	if (st->restart_at_ms < 0)
		return false;
	st->restart_at_ms = -1;
	log_notice("restart cancelled by shutdown");
	return true;
}

int restart_timeout(const struct pid1_state *st)
{
	if (st->restart_at_ms < 0)
		return -1;
	return loop_timeout_until(st->restart_at_ms);
}

int restart_policy_parse(const char *name)
{
	int p;

	for (p = RESTART_NO; p <= RESTART_ALWAYS; p++)
		if (strcmp(name, restart_policy_name((enum restart_policy)p)) == 0)
			return p;
	return -1;
}

const char *restart_policy_name(enum restart_policy policy)
{
	switch (policy) {
	case RESTART_NO:
		return "no";
	case RESTART_ON_FAILURE:
		return "on-failure";
	case RESTART_ALWAYS:
		return "always";
	}
	return "?";
}
