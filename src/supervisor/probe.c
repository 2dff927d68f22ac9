// SPDX-License-Identifier: MIT
/*
 * Checks pid1 makes of a program that cannot say it is ready (ready = tcp:..., http://...,
 * exec) or alive (its health section): a TCP connect, an HTTP GET whose status line must say
 * 2xx or 3xx, or a command run as the program's user that must exit 0. A ready probe is
 * retried until it passes (the ready-timeout says how long it may take); a health check runs
 * while the program is ready, and retries failures in a row make it hung, as a missed
 * watchdog does: its own ladder, then its restart policy.
 *
 * Distrusted: the peer. It may accept and never answer, answer slowly, or send without end,
 * so every connect, write and read is non-blocking, through the loop, bounded in bytes, and
 * each attempt has a deadline past which it is given up (its socket closed, its command's
 * group killed). No name is resolved: a lookup would block. The loop handler only moves the
 * bytes and records what it found; the supervisor takes it after the wake-up.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/child.h"
#include "core/duration.h"
#include "core/log.h"
#include "supervisor/supervise.h"

struct probe *probe_new(void)
{
	struct probe *pr = calloc(1, sizeof(*pr));

	if (pr == NULL)
		return NULL;
	pr->fd = -1;
	pr->errfd = -1;
	pr->deadline_ms = -1;
	return pr;
}

/* The attempt is over: its socket closed, what it found kept for probe_tick(). */
static void found(struct loop *loop, struct probe *pr, bool passed, const char *result)
{
	if (pr->fd >= 0) {
		loop_remove(loop, pr->fd);
		close(pr->fd);
		pr->fd = -1;
	}
	pr->stage = PROBE_FOUND;
	pr->passed = passed;
	strlcpy(pr->result, result, sizeof(pr->result));
}

/* The status line, once its end or the bound is there: 2xx and 3xx pass. */
static void status_line(struct loop *loop, struct probe *pr)
{
	char text[sizeof(pr->result)];
	int code = 0;

	pr->buf[pr->done] = '\0';
	if (sscanf(pr->buf, "HTTP/1.%*1[01] %3d", &code) != 1 || code < 100 || code > 599) {
		found(loop, pr, false, "no HTTP status line in the reply");
		return;
	}
	snprintf(text, sizeof(text), "HTTP %d", code);
	found(loop, pr, code >= 200 && code < 400, text);
}

/*
 * What a send or recv returned: true when n bytes moved; false when it is to be tried again
 * (nothing moved) or the attempt failed (then found).
 */
static bool moved(struct loop *loop, struct probe *pr, ssize_t n)
{
	if (n >= 0)
		return true;
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		found(loop, pr, false, strerror(errno));
	return false;
}

static void on_ready(struct loop *loop, int fd, short revents, void *ctx)
{
	struct probe *pr = ctx;
	int err = 0;
	socklen_t len = sizeof(err);
	ssize_t n;

	(void)revents;
	if (pr->stage == PROBE_CONNECT) {
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err != 0 || pr->spec.kind == PROBE_TCP) {
			found(loop, pr, err == 0, err == 0 ? "connected" : strerror(err));
			return;
		}
		pr->stage = PROBE_SEND;
	}
	if (pr->stage == PROBE_SEND) {
		len = (socklen_t)strlen(pr->buf);
		n = send(fd, pr->buf + pr->done, len - pr->done, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (!moved(loop, pr, n) || (pr->done += (size_t)n) < len)
			return;
		pr->stage = PROBE_RECEIVE;
		pr->done = 0;
		loop_set_events(loop, fd, POLLIN);
		return;
	}
	/* Only the status line is wanted: what comes after it is never read. */
	n = recv(fd, pr->buf + pr->done, sizeof(pr->buf) - 1 - pr->done, MSG_DONTWAIT);
	if (!moved(loop, pr, n))
		return;
	pr->done += (size_t)n;
	if (n == 0 || pr->done == sizeof(pr->buf) - 1 || memchr(pr->buf, '\n', pr->done) != NULL)
		status_line(loop, pr);
}

/* A connect, non-blocking; its end is seen by on_ready(). */
static void connect_to(struct pid1_state *st, struct probe *pr)
{
	struct sockaddr_storage sa;
	struct sockaddr_in *in = (struct sockaddr_in *)&sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;
	socklen_t len;

	memset(&sa, 0, sizeof(sa));
	if (pr->spec.family == AF_INET6) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(pr->spec.port);
		inet_pton(AF_INET6, pr->spec.host, &in6->sin6_addr);
		len = sizeof(*in6);
	} else {
		in->sin_family = AF_INET;
		in->sin_port = htons(pr->spec.port);
		inet_pton(AF_INET, pr->spec.host, &in->sin_addr);
		len = sizeof(*in);
	}
	if (pr->spec.kind == PROBE_HTTP)
		snprintf(pr->buf, sizeof(pr->buf),
			 "GET %s HTTP/1.1\r\nHost: %s%s%s:%u\r\nConnection: close\r\n\r\n",
			 pr->spec.path, pr->spec.family == AF_INET6 ? "[" : "", pr->spec.host,
			 pr->spec.family == AF_INET6 ? "]" : "", (unsigned int)pr->spec.port);
	pr->done = 0;
	pr->stage = PROBE_CONNECT;
	pr->fd = socket(pr->spec.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (pr->fd < 0) {
		found(st->loop, pr, false, strerror(errno));
		return;
	}
	if (connect(pr->fd, (struct sockaddr *)&sa, len) < 0 && errno != EINPROGRESS) {
		found(st->loop, pr, false, strerror(errno));
		return;
	}
	if (loop_add(st->loop, pr->fd, POLLOUT, on_ready, pr) < 0) {
		close(pr->fd);
		pr->fd = -1;
		found(st->loop, pr, false, "no room in pid1's loop");
	}
}

/* Its command, in a process group of its own, as the program's user. */
static void run(struct pid1_state *st, struct program *p, struct probe *pr)
{
	struct child_opts opts = p->spawn;

	opts.argv = pr->argv;
	opts.own_group = true;
	opts.take_tty = false;
	opts.new_session = false;
	opts.ready_fd = 0;
	opts.ready_pipe = -1;
	opts.export_fd = 0;
	opts.export_pipe = -1;
	opts.notify_socket = NULL;
	opts.watchdog_ms = 0;
	opts.out_fd = 0;
	opts.err_fd = 0;
	pr->stage = PROBE_RUN;
	pr->pid = child_spawn(&opts, &pr->errfd);
	if (pr->pid <= 0) {
		pr->pid = 0;
		found(st->loop, pr, false, "cannot start its command");
		return;
	}
	st->children_left = true;
}

/* Gives up the attempt under way: its socket closed, its command's group killed. */
static void give_up(struct pid1_state *st, struct probe *pr)
{
	if (pr->fd >= 0) {
		loop_remove(st->loop, pr->fd);
		close(pr->fd);
		pr->fd = -1;
	}
	if (pr->stage == PROBE_RUN && pr->pid > 0 && target_signal_probe(pr->pid, SIGKILL) < 0)
		log_warn("cannot kill a check's command [%d]: %m", (int)pr->pid);
	pr->stage = PROBE_IDLE;
}

void probe_free(struct pid1_state *st, struct probe *pr)
{
	if (pr == NULL)
		return;
	give_up(st, pr);
	if (pr->errfd >= 0)
		close(pr->errfd);
	/* A command still running is killed above; its end is then reaped as any orphan's. */
	free(pr);
}

/* The program that owns pr: its ready probe or its health check. */
static bool wanted(const struct program *p, const struct probe *pr)
{
	if (pr == NULL || p->pid <= 0)
		return false;
	if (pr == p->ready_probe)
		return p->state == PROGRAM_STARTING && !p->stop_hook;
	return p->state == PROGRAM_RUNNING && !p->stopping;
}

/*
 * What an attempt found, taken: PROBE_READY when a ready probe passed, PROBE_UNHEALTHY when a
 * health check failed retries times in a row, else 0; the next attempt booked.
 */
static unsigned int take(struct program *p, struct probe *pr, int64_t now)
{
	bool ready = pr == p->ready_probe;
	char text[32];

	pr->stage = PROBE_IDLE;
	pr->checked = true;
	if (ready) {
		pr->deadline_ms = pr->started_ms + pr->interval_ms;
		if (pr->deadline_ms < now)
			pr->deadline_ms = now;
		if (pr->passed)
			return PROBE_READY;
		log_info("%s[%d] not ready yet: %s", p->name, (int)p->pid, pr->result);
		return 0;
	}
	pr->deadline_ms = now + pr->interval_ms;
	if (pr->passed) {
		if (pr->failures > 0)
			log_notice("%s[%d] healthy again", p->name, (int)p->pid);
		pr->failures = 0;
		return 0;
	}
	if (now - p->started_ms < pr->start_period_ms) {
		log_info("%s[%d] health check failed within its start period of %s: %s", p->name,
			 (int)p->pid, duration_format(pr->start_period_ms, text, sizeof(text)),
			 pr->result);
		return 0;
	}
	pr->failures++;
	log_warn("%s[%d] health check failed (%d of %d in a row): %s", p->name, (int)p->pid,
		 pr->failures, pr->retries, pr->result);
	return pr->failures >= pr->retries ? PROBE_UNHEALTHY : 0;
}

static unsigned int step(struct pid1_state *st, struct program *p, struct probe *pr, int64_t now)
{
	char text[sizeof(pr->result)], took[32];

	if (pr == NULL)
		return 0;
	if (!wanted(p, pr)) {
		if (pr->active)
			give_up(st, pr);
		pr->active = false;
		return 0;
	}
	if (!pr->active) {
		pr->active = true;
		pr->stage = PROBE_IDLE;
		pr->failures = 0;
		pr->checked = false;
		pr->result[0] = '\0';
		/* Readiness is tried at once; a health check once the interval has passed. */
		pr->deadline_ms = pr == p->ready_probe ? now : now + pr->interval_ms;
	}
	if (pr->stage != PROBE_IDLE && pr->stage != PROBE_FOUND && now >= pr->deadline_ms) {
		give_up(st, pr);
		snprintf(text, sizeof(text), "%s %s",
			 pr->spec.kind == PROBE_EXEC ? "still running after" : "no answer within",
			 duration_format(pr->timeout_ms, took, sizeof(took)));
		found(st->loop, pr, false, text);
	}
	if (pr->stage == PROBE_FOUND)
		return take(p, pr, now);
	/* A command given up on is reaped before the next runs. */
	if (pr->stage != PROBE_IDLE || now < pr->deadline_ms || pr->pid > 0)
		return 0;
	pr->started_ms = now;
	pr->deadline_ms = now + pr->timeout_ms;
	if (pr->spec.kind == PROBE_EXEC)
		run(st, p, pr);
	else
		connect_to(st, pr);
	return pr->stage == PROBE_FOUND ? take(p, pr, now) : 0;
}

unsigned int probe_tick(struct pid1_state *st, struct program *p, int64_t now)
{
	return step(st, p, p->ready_probe, now) | step(st, p, p->health, now);
}

bool probe_reaped(struct pid1_state *st, pid_t pid, int status)
{
	struct child_failure f;
	char how[64];
	size_t i;
	int k;

	for (i = 0; i < st->nprograms; i++) {
		for (k = 0; k < 2; k++) {
			struct probe *pr =
			    k == 0 ? st->programs[i].ready_probe : st->programs[i].health;

			if (pr == NULL || pr->pid != pid)
				continue;
			pr->pid = 0;
			if (pr->errfd >= 0 && child_exec_read(pr->errfd, &f) == CHILD_EXEC_FAILED)
				snprintf(how, sizeof(how), "cannot run %s: %s", pr->argv[0],
					 strerror(f.err));
			else
				exitcode_describe(status, how, sizeof(how));
			if (pr->errfd >= 0)
				close(pr->errfd);
			pr->errfd = -1;
			if (pr->stage == PROBE_RUN)
				found(st->loop, pr, WIFEXITED(status) && WEXITSTATUS(status) == 0,
				      how);
			return true;
		}
	}
	return false;
}

static int64_t deadline(const struct program *p, const struct probe *pr, int64_t now)
{
	if (pr == NULL)
		return -1;
	if (!wanted(p, pr))
		return pr->active ? now : -1;
	if (!pr->active || pr->stage == PROBE_FOUND)
		return now;
	/* Idle with a command still to reap: its SIGCHLD wakes the loop. */
	if (pr->stage == PROBE_IDLE && pr->pid > 0)
		return -1;
	return pr->deadline_ms;
}

int64_t probe_deadline(const struct pid1_state *st)
{
	int64_t now = loop_now_ms(), best = -1;
	size_t i;

	for (i = 0; i < st->nprograms; i++) {
		best = loop_earliest(best,
				     deadline(&st->programs[i], st->programs[i].ready_probe, now));
		best = loop_earliest(best, deadline(&st->programs[i], st->programs[i].health, now));
	}
	return best;
}

bool probe_healthy(const struct program *p)
{
	return program_ready(p) && (p->health == NULL || p->health->failures == 0);
}

const char *probe_health(const struct program *p, char *buf, size_t len)
{
	const struct probe *pr =
	    p->ready_probe != NULL && p->ready_probe->active ? p->ready_probe : p->health;

	if (pr == NULL || (!pr->active && !pr->checked))
		snprintf(buf, len, "-");
	else if (!pr->checked)
		snprintf(buf, len, "starting");
	else if (pr == p->ready_probe || (pr->failures == 0 && !pr->passed))
		snprintf(buf, len, "starting: %s", pr->result);
	else if (pr->failures == 0)
		snprintf(buf, len, "healthy: %s", pr->result);
	else
		snprintf(buf, len, "unhealthy: %s (%d of %d)", pr->result, pr->failures,
			 pr->retries);
	return buf;
}
