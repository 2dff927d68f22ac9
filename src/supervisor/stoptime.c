// SPDX-License-Identifier: MIT
/*
 * The worst case of a shutdown, as supervisor/phase.c runs it: the delay once, then the stop
 * hooks, then one ladder per stage, each from the entry step to the end of its last grace. The
 * stages are every level above 0 that has programs, level 0 on its own when one of its
 * programs has a stop-signal, and last the whole scope. A stop-signal replaces a step's
 * signal, never its grace, so it changes the count of stages only. The ladder is entered at
 * the first step for any reason but a shutdown signal that is a step (enter = received).
 */
#include "config.h"

#include <signal.h>
#include <stdbool.h>

#include "conf/duration.h"
#include "supervisor/stoptime.h"

/* How many ladders a shutdown may run: one per stage. */
static int count_stages(const struct pid1_conf *conf, const int *levels)
{
	bool seen[CONF_MAX_PROGRAMS + 1] = {false};
	int n = 1; /* the whole scope, level 0 with it */
	size_t i;

	for (i = 0; i < conf->nprograms; i++) {
		const struct program_conf *pc = &conf->programs[i];
		int l = levels[i];

		if (pc->when != WHEN_START || l < 0 || l > CONF_MAX_PROGRAMS)
			continue;
		if (l == 0 && pc->stop_signal == 0)
			continue;
		if (!seen[l])
			n++;
		seen[l] = true;
	}
	return n;
}

/* The graces of the steps from idx to the last. */
static int64_t ladder_ms(const struct shutdown_conf *sc, size_t idx)
{
	int64_t ms = 0;

	for (; idx < sc->nsteps; idx++)
		ms += sc->steps[idx].grace_ms;
	return ms;
}

/* The step SIGTERM enters the ladder at, or 0: as the ladder picks it. */
static size_t sigterm_step(const struct pid1_conf *conf)
{
	const struct shutdown_conf *sc = &conf->shutdown;
	size_t i;

	if (sc->enter != ENTER_RECEIVED || conf->signals[SIGTERM].action != ACTION_SHUTDOWN)
		return 0;
	for (i = 0; i < sc->nsteps; i++)
		if (sc->steps[i].signo == SIGTERM)
			return i;
	return 0;
}

void stoptime_print(const struct pid1_conf *conf, const int *levels, int64_t hooks_ms, FILE *out)
{
	const struct shutdown_conf *sc = &conf->shutdown;
	int stages = count_stages(conf, levels);
	int64_t full = ladder_ms(sc, 0), term = ladder_ms(sc, sigterm_step(conf));
	char a[32], b[32], c[32], d[32];

	fprintf(out, "# worst-case stop time: %s (delay %s, stop hooks %s, %d ladder%s of %s)\n",
		duration_format(sc->delay_ms + hooks_ms + stages * full, a, sizeof(a)),
		duration_format(sc->delay_ms, b, sizeof(b)),
		duration_format(hooks_ms, c, sizeof(c)), stages, stages == 1 ? "" : "s",
		duration_format(full, d, sizeof(d)));
	if (term != full)
		fprintf(out, "# from SIGTERM (docker stop, Kubernetes), entering at its step: %s\n",
			duration_format(sc->delay_ms + hooks_ms + stages * term, a, sizeof(a)));
}
