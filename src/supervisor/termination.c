// SPDX-License-Identifier: MIT
/*
 * The termination message: when pid1 exits, a few lines on why, written to the file the
 * kubelet reads as the container's last state (`kubectl describe pod`: "Message:"). Which
 * program ended the container and how, or what stopped it; then each program's end and its
 * restarts. Distrusted: the path, in a directory others may write to. It is opened without
 * following a symlink and without waiting, and written only if it is a regular file, once.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "supervisor/supervise.h"

/* Appends to buf as snprintf would; a line that does not fit is cut, and nothing follows it. */
static void __attribute__((format(printf, 4, 5)))
put(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used + 1 >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used = *used + (size_t)n < len ? *used + (size_t)n : len - 1;
}

/* Why the container ended, after "pid1 exited with code N: ". */
static void put_reason(const struct pid1_state *st, int code, char *buf, size_t len, size_t *used)
{
	const struct program *d = st->decider;
	char how[64];

	if (st->stopped_by[0] != '\0') {
		/* A signal's name, else who asked (pid1 ctl shutdown). */
		put(buf, len, used,
		    strncmp(st->stopped_by, "SIG", 3) == 0 ? "stopped by %s" : "stopped: %s",
		    st->stopped_by);
	} else if (d != NULL) {
		program_describe_exit(d->status, d->oom_killed, how, sizeof(how));
		put(buf, len, used, "%s%s %s%s",
		    st->nprograms == 1 && st->conf->command != NULL ? "the command" : "",
		    st->nprograms == 1 && st->conf->command != NULL ? "" : d->name,
		    WIFSIGNALED(d->status) ? "was " : "", how);
	} else if (st->nprograms == 0) {
		put(buf, len, used, "pause mode ended");
	} else {
		put(buf, len, used, code == 0 ? "every program has ended" : "the shutdown ended");
	}
}

size_t termination_compose(const struct pid1_state *st, int code, char *buf, size_t len)
{
	const struct program *p;
	char how[64];
	size_t i, used = 0;

	buf[0] = '\0';
	put(buf, len, &used, "pid1 exited with code %d: ", code);
	if (st == NULL) {
		put(buf, len, &used, "%s, before starting any program (its log says why)\n",
		    code == EXIT_USAGE ? "the command line or configuration was refused"
				       : "it could not set itself up");
		return used;
	}
	put_reason(st, code, buf, len, &used);
	put(buf, len, &used, "\n");
	for (i = 0; i < st->nprograms; i++) {
		p = &st->programs[i];
		if (p->exited || p->fork_err != 0)
			program_describe_end(p, how, sizeof(how));
		else
			strlcpy(how,
				p->started || program_running(p) ? "still running" : "never ran",
				sizeof(how));
		put(buf, len, &used, "%s: %s, %zu restart%s\n", p->name, how, p->history.nrestarts,
		    p->history.nrestarts == 1 ? "" : "s");
	}
	return used;
}

/* The path in force, or NULL for none. */
static const char *termination_path(const struct pid1_conf *conf, bool *explicit)
{
	const char *path = getenv("PID1_TERMINATION_LOG");

	if (path == NULL)
		path = conf != NULL ? conf->termination_log : CONF_TERMINATION_LOG;
	/* Outside Kubernetes the default path is simply not there: no news. */
	*explicit = strcmp(path, CONF_TERMINATION_LOG) != 0;
	if (path[0] == '/')
		return path;
	/* The key is checked with the config; the environment only here. */
	if (path[0] != '\0')
		log_warn("PID1_TERMINATION_LOG is not an absolute path: no termination message");
	return NULL;
}

void termination_write(const struct pid1_conf *conf, const struct pid1_state *st, int code)
{
	char buf[TERMINATION_MAX];
	const char *path;
	struct stat sb;
	bool explicit;
	size_t n;
	ssize_t w;
	int fd;

	path = termination_path(conf, &explicit);
	if (path == NULL)
		return;
	/* Never created: Kubernetes makes it; a FIFO or a device could hold pid1's last write. */
	fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (explicit || errno != ENOENT)
			log_warn("cannot write the termination message to %s: %m", path);
		return;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		log_warn("cannot write the termination message to %s: not a regular file", path);
		goto out;
	}
	n = termination_compose(st, code, buf, sizeof(buf));
	if (ftruncate(fd, 0) < 0) {
		log_warn("cannot truncate the termination message file %s: %m", path);
		goto out;
	}
	do
		w = write(fd, buf, n);
	while (w < 0 && errno == EINTR);
	if (w < 0 || (size_t)w != n)
		log_warn("cannot write the termination message to %s: %s", path,
			 w < 0 ? strerror(errno) : "short write");
out:
	close(fd);
}
