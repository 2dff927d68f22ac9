// SPDX-License-Identifier: MIT
/*
 * pid1's exit code once the run is over: the status of the program that decided it (the
 * supervisor records which in st->decider), a kill for an essential program that outlived
 * the ladder, else 0; then the exit-code remaps, and one line that says why.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>

#include "core/exitcode.h"
#include "output/log.h"
#include "supervisor/verdict.h"

/* An essential program that is still running after the ladder. */
static const struct program *survivor(const struct pid1_state *st)
{
	size_t i;

	for (i = 0; i < st->nprograms; i++)
		if (st->programs[i].essential && program_running(&st->programs[i]))
			return &st->programs[i];
	return NULL;
}

int verdict_exit_code(const struct pid1_state *st)
{
	char how[96];
	int code, remapped;

	if (st->decider != NULL) {
		code = exitcode_from_status(st->decider->status);
		/* A single program is simply the child, as the log has always said. */
		if (st->nprograms == 1)
			snprintf(how, sizeof(how), "the child's exit code");
		else
			snprintf(how, sizeof(how), "the exit code of %s", st->decider->name);
	} else if (survivor(st) != NULL) {
		/* It outlived the whole ladder (stuck in the kernel): report a kill. */
		code = 128 + SIGKILL;
		snprintf(how, sizeof(how), "%s outlived the shutdown ladder", survivor(st)->name);
	} else {
		code = 0;
		snprintf(how, sizeof(how), "%s",
			 st->nprograms == 0 ? "pause mode ended" : "no essential program ended");
	}
	/* A clean exit is routine (info); anything else is worth a line at the default level. */
	remapped = exitcode_remap(st->conf->exit_code_map, code);
	if (remapped != code) {
		log_info("exiting with code %d (%s, %d remapped)", remapped, how, code);
		return remapped;
	}
	if (code == 0)
		log_info("exiting with code 0 (%s)", how);
	else
		log_notice("exiting with code %d (%s)", code, how);
	return code;
}
