// SPDX-License-Identifier: MIT
/*
 * A oneshot's export-env = fd:N (see supervise.h): s6-overlay's cont-init pattern, a set-up
 * step that works out variables and hands them to the programs after it. Distrusted: the
 * pipe's write end, which the oneshot and anything it leaves behind hold. pid1 reads it only
 * when poll says so and without waiting, keeps at most EXPORTENV_MAX_BYTES (more is an error
 * for that oneshot), and at the reap reads only what is already there: a descendant that
 * keeps the pipe open cannot hold pid1. Values never reach the log.
 */
#include "config.h"

#include <sys/wait.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/child.h"
#include "core/log.h"
#include "supervisor/supervise.h"
#include "sys/envfile.h"

/* Stops watching p's pipe and closes it. */
static void shut(struct loop *loop, struct program *p)
{
	if (p->exported.fd < 0)
		return;
	loop_remove(loop, p->exported.fd);
	close(p->exported.fd);
	p->exported.fd = -1;
}

/* Reads what p's pipe holds now, up to the bound; closes it at its end or past the bound. */
static void drain(struct loop *loop, struct program *p)
{
	ssize_t n;

	if (p->exported.buf == NULL) {
		p->exported.buf = malloc(EXPORTENV_MAX_BYTES + 1);
		if (p->exported.buf == NULL) {
			log_err("cannot read the export-env pipe of %s: %m", p->name);
			p->exported.excess = true;
			shut(loop, p);
			return;
		}
	}
	while (p->exported.fd >= 0) {
		/* One byte past the bound tells a full pipe from one that says too much. */
		n = read(p->exported.fd, p->exported.buf + p->exported.len,
			 EXPORTENV_MAX_BYTES + 1 - p->exported.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n > 0)
			p->exported.len += (size_t)n;
		/* Said at once: the writer may die of SIGPIPE before pid1 sees it exit. */
		if (p->exported.len > EXPORTENV_MAX_BYTES) {
			log_err("%s[%d] wrote more than " EXPORTENV_MAX_TEXT
				" to its export-env fd: nothing is taken from it",
				p->name, (int)p->pid);
			p->exported.excess = true;
		}
		if (n <= 0 || p->exported.excess)
			shut(loop, p);
	}
}

static void on_readable(struct loop *loop, int fd, short revents, void *ctx)
{
	(void)fd;
	(void)revents;
	drain(loop, ctx);
}

int exportenv_prepare(struct pid1_state *st, struct program *p)
{
	int fds[2];

	if (p->spawn.export_fd <= 0)
		return 0;
	shut(st->loop, p);
	p->exported.len = 0;
	p->exported.excess = false;
	p->spawn.export_pipe = -1;
	if (child_pipe(fds) < 0) {
		log_err("cannot create the export-env pipe of %s: %m", p->name);
		return -1;
	}
	p->exported.fd = fds[0];
	p->spawn.export_pipe = fds[1];
	return 0;
}

void exportenv_spawned(struct pid1_state *st, struct program *p, pid_t pid)
{
	if (p->spawn.export_fd <= 0)
		return;
	if (p->spawn.export_pipe >= 0)
		close(p->spawn.export_pipe);
	p->spawn.export_pipe = -1;
	if (pid > 0 && loop_add(st->loop, p->exported.fd, POLLIN, on_readable, p) == 0)
		return;
	if (pid > 0)
		log_err("cannot watch the export-env pipe of %s: %m", p->name);
	/* Not registered: closed here, as shut() would remove what was never added. */
	close(p->exported.fd);
	p->exported.fd = -1;
	p->exported.excess = pid > 0;
}

int exportenv_reaped(struct pid1_state *st, struct program *p, int status)
{
	struct envlist l = {NULL, 0, 0};
	const char *why;
	int line;

	if (p->spawn.export_fd <= 0)
		return status;
	/* Its process is gone: what it wrote is there now, and what is not may never come. */
	if (p->exported.fd >= 0)
		drain(st->loop, p);
	shut(st->loop, p);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return status;
	/* Logged when it happened. */
	if (p->exported.excess)
		return W_EXITCODE(1, 0);
	if (envfile_parse(p->exported.len > 0 ? p->exported.buf : "", p->exported.len, &l, &line,
			  &why) < 0) {
		log_err("%s: export-env line %d: %s: nothing taken", p->name, line, why);
		envlist_free(&l);
		return W_EXITCODE(1, 0);
	}
	envfile_free(p->exported.taken);
	/* Nothing written is an empty list, taken all the same: it replaces an earlier run's. */
	p->exported.taken = l.v != NULL ? l.v : calloc(1, sizeof(char *));
	log_info("%s exported %zu variable%s", p->name, l.n, l.n == 1 ? "" : "s");
	return status;
}

void exportenv_for(const struct pid1_state *st, const struct program *p, char **lists[], size_t max)
{
	bool before[CONF_MAX_PROGRAMS + 1] = {false};
	size_t stack[CONF_MAX_PROGRAMS + 1], n = 0, k = 0, i, j;
	int level;

	/* Every program p comes after, through any chain of after lists. */
	stack[n++] = (size_t)(p - st->programs);
	while (n > 0) {
		const struct program *q = &st->programs[stack[--n]];

		for (j = 0; j < q->nafter; j++)
			if (!before[q->after[j]]) {
				before[q->after[j]] = true;
				stack[n++] = q->after[j];
			}
	}
	/* In start order: a oneshot's variables over those of what it came after. */
	for (level = 0; level <= st->max_level; level++)
		for (i = 0; i < st->nprograms && k + 1 < max; i++)
			if (before[i] && st->programs[i].level == level &&
			    st->programs[i].exported.taken != NULL)
				lists[k++] = st->programs[i].exported.taken;
	lists[k] = NULL;
}

void exportenv_free(struct pid1_state *st, struct program *p)
{
	/* A table built only in part has zeros past where it stopped: fd 0 is not the pipe. */
	if (p->spawn.export_fd <= 0)
		return;
	if (st->loop != NULL)
		shut(st->loop, p);
	else if (p->exported.fd >= 0)
		close(p->exported.fd);
	p->exported.fd = -1;
	free(p->exported.buf);
	envfile_free(p->exported.taken);
	p->exported.buf = NULL;
	p->exported.taken = NULL;
}
