// SPDX-License-Identifier: MIT
/*
 * The control socket's server (control/control.h) and what its commands do. The listener and
 * each client are loop sources. A client is read until its request line is whole, answered
 * from a buffer of its own with non-blocking sends, and dropped when it does not read its
 * reply in time. A stop answers once the program's own ladder is over, a start or restart once
 * the program is ready: `pid1 ctl restart web` returns when web is ready again, says why it
 * will not be, or, when the request's wait is over first, that it is still on its way.
 * Distrusted: every peer, checked by SO_PEERCRED (the socket file's mode keeps others from
 * connecting at all, but a mode can be changed; the abstract socket has no mode, and anyone
 * in the network namespace may connect to it: there a peer must also be in pid1's PID
 * namespace, where the kernel shows its pid), and, even from an allowed one, fds passed
 * along, whose last close may block. The kernel refuses them where it can (core/fdsink.c);
 * elsewhere bytes are peeked at before they are read, and a client that queued fds is let go
 * through fdsink_close, never closed here.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/control.h"
#include "core/child.h"
#include "core/duration.h"
#include "core/fdsink.h"
#include "core/loop.h"
#include "core/signame.h"
#include "core/log.h"
#include "state/state.h"
#include "supervisor/supervise.h"

#define ACCEPT_BATCH 64	  /* connections taken per wake-up, so signals are not starved */
#define PAUSE_MS     1000 /* out of fds: how long the listener rests */
#define MAX_GROUPS   256  /* supplementary groups of a peer looked at */

/* A reply being written: its text, cut at CTL_REPLY_MAX. */
struct reply {
	size_t len;
	char buf[CTL_REPLY_MAX];
};

struct ctl_client {
	struct control *ctl;
	int fd;
	pid_t pid;
	uid_t uid;
	char in[CTL_REQUEST_MAX];
	size_t nin;
	struct reply reply;
	size_t sent;
	bool replying;
	int64_t deadline_ms;  /* while its reply waits for a program: the end of its wait */
	struct program *wait; /* a stop, start or restart whose reply waits for it, or NULL */
	enum program_event ev;
	enum program_state was; /* the program's state before the request */
	int64_t wait_ms;	/* how long the reply may wait for the program */
};

/* Appends a formatted line (its newline added) to r, cut at CTL_REPLY_MAX. */
static void __attribute__((format(printf, 2, 3))) put(struct reply *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->len + 1 >= CTL_REPLY_MAX)
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->buf + r->len, CTL_REPLY_MAX - r->len - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	r->len += (size_t)n < CTL_REPLY_MAX - r->len - 1 ? (size_t)n : CTL_REPLY_MAX - r->len - 2;
	r->buf[r->len++] = '\n';
}

/*
 * Every program's line fits, the longest detail included: its name, the other fields at their
 * longest (a state, a pid, two 64-bit numbers, yes or no) and the tabs, after the first line.
 */
_Static_assert(32 + CONF_MAX_PROGRAMS * (CONF_NAME_MAX + 72 + CTL_DETAIL_MAX + CTL_HEALTH_MAX) <=
		   CTL_REPLY_MAX,
	       "a status line per program fits in a reply");

/* Whether p is in the status: a program a reload removed is, until it has stopped. */
static bool listed(const struct program *p)
{
	return !p->removed || program_running(p) || program_left(p);
}

static void status(const struct pid1_state *st, struct reply *r)
{
	int64_t now = loop_now_ms();
	const struct program *p;
	char pid[16], up[24], last[CTL_DETAIL_MAX], health[CTL_HEALTH_MAX];
	char names[CTL_DETAIL_MAX - sizeof(CTL_WAITS_FOR) + 1];
	size_t i, n = 0;

	for (i = 0; i < st->nprograms; i++)
		n += listed(&st->programs[i]);
	put(r, "ok %zu program%s", n, n == 1 ? "" : "s");
	for (i = 0; i < st->nprograms; i++) {
		p = &st->programs[i];
		if (!listed(p))
			continue;
		strcpy(pid, "-");
		strcpy(up, "-");
		if (program_running(p)) {
			snprintf(pid, sizeof(pid), "%d", (int)p->pid);
			snprintf(up, sizeof(up), "%lld", (long long)(now - p->started_ms));
		}
		program_describe_end(p, last, sizeof(last));
		/* Never started yet, it has no last end: what it waits for takes the field. */
		if (waiting_names(st, p, names, sizeof(names)) > 0)
			snprintf(last, sizeof(last), CTL_WAITS_FOR "%s", names);
		put(r, "%s\t%s\t%s\t%s\t%zu\t%s\t%s\t%s", p->name,
		    p->removed ? "removed" : program_status(p), pid, up, p->history.nrestarts,
		    program_ready(p) ? "yes" : "no", last, probe_health(p, health, sizeof(health)));
	}
}

/*
 * `health [NAME]`: ok when NAME (else every program but the stop hooks) is ready and passes
 * its health check, for a HEALTHCHECK or an exec probe to ask.
 */
static void health(struct pid1_state *st, const struct ctl_request *req, struct reply *r)
{
	char text[CTL_HEALTH_MAX], bad[CTL_DETAIL_MAX] = "";
	const struct program *p;
	size_t i, n = 0;

	if (req->nwords == 2) {
		p = supervise_find(st, req->words[1]);
		if (p == NULL)
			put(r, "error no program %s", req->words[1]);
		else
			put(r, "%s %s is %s, %s", probe_healthy(p) ? "ok" : "error", p->name,
			    program_status(p), probe_health(p, text, sizeof(text)));
		return;
	}
	for (i = 0; i < st->nprograms; i++) {
		p = &st->programs[i];
		if (p->stop_hook || probe_healthy(p))
			continue;
		strlcat(bad, n++ == 0 ? "" : ", ", sizeof(bad));
		strlcat(bad, p->name, sizeof(bad));
	}
	if (n == 0)
		put(r, "ok every program healthy");
	else
		put(r, "error not healthy: %s", bad);
}

/* pid1's readiness, as the ready file and a service manager are told it. */
static void ready(const struct pid1_state *st, struct reply *r)
{
	char summary[192];

	if (readiness_ready(st, summary, sizeof(summary)))
		put(r, "ok %s", summary);
	else if (st->phase != PHASE_RUN)
		put(r, "error not ready: pid1 is shutting down");
	else
		put(r, "error not ready: %s", summary);
}

/* What a request by name did, for its answer: "restarted", "already running"... */
static const char *done(const struct ctl_client *c)
{
	if (c->ev == PROGRAM_EV_HALT)
		return "stopped";
	if (c->ev == PROGRAM_EV_RESTART)
		return "restarted";
	return c->was == PROGRAM_RUNNING ? "already running" : "started";
}

/*
 * Whether a started program is ready: a longrun as its ready key says (RUNNING), a oneshot
 * once this run exited 0. Asked only once p has left STARTING, so its status is this run's.
 */
static bool is_ready(const struct program *p)
{
	if (p->type == PROGRAM_LONGRUN)
		return p->state == PROGRAM_RUNNING;
	return (p->state == PROGRAM_DONE || p->state == PROGRAM_BACKOFF) && p->exited &&
	       WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0;
}

/* Why a start or restart will not see p ready, into r. */
static void not_ready(const struct pid1_state *st, const struct program *p, struct reply *r)
{
	char how[64];

	if (st->phase != PHASE_RUN) {
		put(r, "error %s is %s: pid1 is shutting down", p->name, program_status(p));
	} else if (p->state == PROGRAM_KILLING && p->hung != HANG_NONE) {
		put(r, "error %s %s: stopped as hung", p->name,
		    p->hung == HANG_READY_TIMEOUT ? "was not ready within its ready-timeout"
		    : p->hung == HANG_WATCHDOG	  ? "went silent past its watchdog"
						  : "said it hung (WATCHDOG=trigger)");
	} else if (p->exited && (p->state == PROGRAM_BACKOFF || p->state == PROGRAM_ENDED ||
				 p->state == PROGRAM_DONE)) {
		exitcode_describe(p->status, how, sizeof(how));
		put(r, "error %s ended before it was ready: %s; it is %s", p->name, how,
		    program_status(p));
	} else {
		put(r, "error %s is %s", p->name, program_status(p));
	}
}

/*
 * Whether the program c waits for got there, will not, or c's wait is over at now: the reply
 * is written then. Ready (or stopped) is "ok", cannot be is "error", still on its way when the
 * wait is over is "pending".
 */
static bool got_there(const struct pid1_state *st, struct ctl_client *c, int64_t now)
{
	const struct program *p = c->wait;
	struct reply *r = &c->reply;
	char waited[32];
	bool late = now >= c->deadline_ms;

	duration_format(c->wait_ms, waited, sizeof(waited));
	if (p->state == PROGRAM_KILLING && p->request != PROGRAM_REQ_NONE) {
		/* Waiting on, unless the last step, SIGKILL, was sent: outlived, that is final. */
		if (p->deadline_ms < 0 && p->nsteps > 0 &&
		    p->steps[p->nsteps - 1].signo == SIGKILL) {
			if (p->pid > 0)
				put(r, "error %s (pid %d) outlived every step of its ladder",
				    p->name, (int)p->pid);
			else
				put(r,
				    "error %s: its process group outlived every step of its ladder",
				    p->name);
			return true;
		}
		if (!late)
			return false;
		put(r, "pending %s not %s after %s (still stopping)", p->name,
		    c->ev == PROGRAM_EV_HALT	  ? "stopped"
		    : c->ev == PROGRAM_EV_RESTART ? "restarted"
						  : "started",
		    waited);
		return true;
	}
	if (c->ev == PROGRAM_EV_HALT) {
		if (p->state == PROGRAM_STOPPED)
			put(r, "ok %s stopped", p->name);
		else if (st->phase != PHASE_RUN)
			put(r, "error %s is %s: pid1 is shutting down", p->name, program_status(p));
		else
			put(r, "error %s is %s", p->name, program_status(p));
		return true;
	}
	if (p->state == PROGRAM_STARTING && st->phase == PHASE_RUN) {
		if (!late)
			return false;
		put(r, "pending %s %s, not ready after %s (still starting)", p->name, done(c),
		    waited);
	} else if (is_ready(p) && p->type == PROGRAM_LONGRUN) {
		put(r, "ok %s %s, ready (pid %d)", p->name, done(c), (int)p->pid);
	} else if (is_ready(p)) {
		put(r, "ok %s %s, ready (exited with status 0)", p->name, done(c));
	} else {
		not_ready(st, p, r);
	}
	return true;
}

/* start, stop, restart NAME: the reply waits for the program unless it is there already. */
static void by_name(struct pid1_state *st, struct ctl_request *req, const char *who,
		    struct ctl_client *c)
{
	enum program_event ev = strcmp(req->words[0], "stop") == 0	? PROGRAM_EV_HALT
				: strcmp(req->words[0], "restart") == 0 ? PROGRAM_EV_RESTART
									: PROGRAM_EV_RUN;
	struct program *p = supervise_find(st, req->words[1]);
	char msg[160] = "";
	int64_t now = loop_now_ms();

	c->wait_ms = CTL_WAIT_DEFAULT_MS;
	if (p == NULL) {
		put(&c->reply, "error no program %s", req->words[1]);
		return;
	}
	if (req->nwords > 2 && (duration_parse(req->words[2], &c->wait_ms) < 0 || c->wait_ms <= 0 ||
				c->wait_ms > CTL_WAIT_MAX_MS)) {
		put(&c->reply, "error bad wait %s (a duration from 1ms to 1h)", req->words[2]);
		return;
	}
	c->was = p->state;
	if (supervise(st, &(struct supervise_event){.kind = SUPERVISE_REQUEST,
						    .p = p,
						    .ev = ev,
						    .who = who,
						    .msg = msg,
						    .len = sizeof(msg)}) < 0) {
		put(&c->reply, "error %s", msg);
		return;
	}
	c->wait = p;
	c->ev = ev;
	c->deadline_ms = now + c->wait_ms;
	if (got_there(st, c, now))
		c->wait = NULL;
}

/* Feeds ev, answered at once: "ok" and what it said, or "error" and why. */
static void answer(struct pid1_state *st, struct reply *r, const struct supervise_event *ev)
{
	if (supervise(st, ev) < 0)
		put(r, "error %s", ev->msg);
	else
		put(r, "ok %s", ev->msg);
}

static void signal_one(struct pid1_state *st, struct ctl_request *req, const char *who,
		       struct reply *r)
{
	struct program *p = supervise_find(st, req->words[1]);
	int signo = signame_parse(req->words[2]);
	char msg[160] = "";

	if (p == NULL)
		put(r, "error no program %s", req->words[1]);
	else if (signo <= 0 || signo > CONF_SIGNAL_MAX)
		put(r, "error unknown signal %s", req->words[2]);
	else
		answer(st, r,
		       &(struct supervise_event){.kind = SUPERVISE_KILL,
						 .p = p,
						 .signo = signo,
						 .who = who,
						 .msg = msg,
						 .len = sizeof(msg)});
}

static void log_level(struct ctl_request *req, const char *who, struct reply *r)
{
	int level = log_level_parse(req->words[1]);

	if (level < 0) {
		put(r, "error unknown log level %s (err, warning, notice, info, debug)",
		    req->words[1]);
		return;
	}
	log_set_level(level);
	log_notice("log level set to %s by %s", req->words[1], who);
	put(r, "ok log level %s", req->words[1]);
}

/* reload [dry-run]: the config file read again, or only what that would change said. */
static void reload(struct pid1_state *st, const struct ctl_request *req, const char *who,
		   struct reply *r)
{
	static char msg[CTL_REPLY_MAX - 8];
	bool dry = req->nwords == 2;

	if (dry && strcmp(req->words[1], "dry-run") != 0) {
		put(r, "error reload takes no argument but dry-run");
		return;
	}
	msg[0] = '\0';
	answer(st, r,
	       &(struct supervise_event){.kind = SUPERVISE_RELOAD,
					 .signo = dry,
					 .who = who,
					 .msg = msg,
					 .len = sizeof(msg)});
}

/* The commands: name, how many arguments, whether a wait may follow them. */
static const struct {
	const char *name;
	size_t nargs;
	bool wait;
} commands[] = {
    {"status", 0, false},  {"ready", 0, false},	 {"start", 1, true},	 {"stop", 1, true},
    {"restart", 1, true},  {"signal", 2, false}, {"shutdown", 0, false}, {"log-level", 1, false},
    {"version", 0, false}, {"health", 0, false}, {"reload", 0, false},
};

/* Runs req for who (logged with what it asks): the reply is written, or c->wait set. */
static void run(struct pid1_state *st, struct ctl_request *req, const char *who,
		struct ctl_client *c)
{
	const char *cmd = req->words[0];
	struct reply *r = &c->reply;
	char why[96];
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, cmd) == 0)
			break;
	if (i == sizeof(commands) / sizeof(commands[0])) {
		put(r, "error unknown command %s", cmd);
		return;
	}
	if (strcmp(cmd, "reload") == 0 && req->nwords <= 2) {
		reload(st, req, who, r);
		return;
	}
	/* health takes a name or none. */
	if (req->nwords != commands[i].nargs + 1 &&
	    !(commands[i].wait && req->nwords == commands[i].nargs + 2) &&
	    !(strcmp(cmd, "health") == 0 && req->nwords == 2)) {
		put(r, "error %s takes %zu argument%s%s", cmd, commands[i].nargs,
		    commands[i].nargs == 1 ? "" : "s",
		    commands[i].wait ? " and an optional wait" : "");
		return;
	}
	if (strcmp(cmd, "status") == 0) {
		status(st, r);
	} else if (strcmp(cmd, "ready") == 0) {
		ready(st, r);
	} else if (strcmp(cmd, "health") == 0) {
		health(st, req, r);
	} else if (strcmp(cmd, "signal") == 0) {
		signal_one(st, req, who, r);
	} else if (strcmp(cmd, "shutdown") == 0) {
		snprintf(why, sizeof(why), "requested by %s", who);
		put(r, "ok shutting down");
		supervise(st, &(struct supervise_event){.kind = SUPERVISE_SHUTDOWN, .who = why});
	} else if (strcmp(cmd, "log-level") == 0) {
		log_level(req, who, r);
	} else if (strcmp(cmd, "version") == 0) {
		put(r, "ok pid1 %s, protocol %s", PACKAGE_VERSION, CTL_PROTOCOL);
	} else {
		by_name(st, req, who, c);
	}
}

const char *ctlproto_parse(char *line, size_t len, struct ctl_request *req)
{
	char *word, *save = NULL;
	size_t i;

	req->nwords = 0;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] >= 0x7f)
			return "request has a byte that is not printable";
	word = strtok_r(line, " ", &save);
	if (word == NULL || strcmp(word, CTL_PROTOCOL) != 0)
		return "unsupported protocol (this pid1 speaks " CTL_PROTOCOL ")";
	while ((word = strtok_r(NULL, " ", &save)) != NULL) {
		if (req->nwords == CTL_MAX_WORDS)
			return "too many words in request";
		req->words[req->nwords++] = word;
	}
	if (req->nwords == 0)
		return "request has no command";
	return NULL;
}

/* Whether the peer on fd, with cred as SO_PEERCRED gave it, may send requests. */
static bool allowed(const struct control *ctl, int fd, const struct ucred *cred)
{
	gid_t groups[MAX_GROUPS];
	socklen_t len = sizeof(groups);
	size_t i;

	if (cred->uid == 0 || cred->uid == geteuid())
		return true;
	if (!ctl->group)
		return false;
	if (cred->gid == ctl->gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == ctl->gid)
			return true;
	return false;
}

/* Lets go of a client's socket, whatever its peer queued on it. */
static void let_go(const struct control *ctl, int fd)
{
	if (ctl->careful)
		fdsink_close(fd);
	else
		close(fd);
}

static void drop(struct ctl_client *c)
{
	struct control *ctl = c->ctl;
	size_t i;

	/* Out of the loop now: a throw-away process may hold the socket a while longer. */
	loop_remove(ctl->st->loop, c->fd);
	let_go(ctl, c->fd);
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (ctl->clients[i] == c)
			ctl->clients[i] = NULL;
	free(c);
}

/* Reads what c's peer sent, as recv(MSG_DONTWAIT); bytes that carry fds stay queued. */
static ssize_t take_in(const struct ctl_client *c, char *buf, size_t len)
{
	return c->ctl->careful ? fdsink_recv(c->fd, buf, len) : recv(c->fd, buf, len, MSG_DONTWAIT);
}

/* Sends what is left of the reply; the client is done once all of it is sent. */
static void flush(struct ctl_client *c)
{
	char sink[CTL_REQUEST_MAX];
	ssize_t n;
	int i;

	while (c->sent < c->reply.len) {
		n = send(c->fd, c->reply.buf + c->sent, c->reply.len - c->sent,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			loop_set_events(c->ctl->st->loop, c->fd, POLLOUT);
			return;
		}
		if (n <= 0) {
			drop(c);
			return;
		}
		c->sent += (size_t)n;
	}
	/* What it sent beyond its request, read away: a close with it unread resets the peer. */
	for (i = 0; i < 16 && take_in(c, sink, sizeof(sink)) > 0; i++)
		;
	drop(c);
}

static void reply(struct ctl_client *c)
{
	c->replying = true;
	c->sent = 0;
	c->deadline_ms = loop_now_ms() + CONTROL_TIMEOUT_MS;
	flush(c);
}

/* The request line is whole: run it, answer now or once its program got there. */
static void handle(struct ctl_client *c, size_t len)
{
	struct ctl_request req = {0};
	const char *why;
	char who[64];

	why = ctlproto_parse(c->in, len, &req);
	if (why != NULL) {
		put(&c->reply, "error %s", why);
	} else {
		snprintf(who, sizeof(who), "pid1 ctl (uid %d, pid %d)", (int)c->uid, (int)c->pid);
		run(c->ctl->st, &req, who, c);
	}
	if (c->wait == NULL) {
		reply(c);
		return;
	}
	/*
	 * Its wait (by_name) bounds it; meanwhile only a hang-up is news: poll reports POLLHUP
	 * unasked, and a non-zero event keeps the fd in the set.
	 */
	loop_set_events(c->ctl->st->loop, c->fd, POLLHUP);
}

static void readable(struct ctl_client *c)
{
	char *nl;
	ssize_t n;

	n = take_in(c, c->in + c->nin, sizeof(c->in) - c->nin);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		drop(c); /* gone before its request was whole */
		return;
	}
	nl = memchr(c->in + c->nin, '\n', (size_t)n);
	c->nin += (size_t)n;
	if (nl != NULL) {
		handle(c, (size_t)(nl - c->in));
	} else if (c->nin == sizeof(c->in)) {
		put(&c->reply, "error request too long (at most %d bytes)", CTL_REQUEST_MAX);
		reply(c);
	}
}

static void on_client(struct loop *loop, int fd, short revents, void *ctx)
{
	struct ctl_client *c = ctx;

	(void)loop;
	(void)fd;
	if (c->replying && (revents & POLLOUT))
		flush(c);
	else if (!c->replying && c->wait == NULL && (revents & (POLLIN | POLLHUP | POLLERR)))
		readable(c);
	else if (revents & (POLLHUP | POLLERR | POLLNVAL))
		drop(c);
}

/* Tells a peer it is not served, without waiting for it, and hangs up. */
static void refuse(const struct control *ctl, int fd, const char *why)
{
	char line[160];
	int n = snprintf(line, sizeof(line), "error %s\n", why);

	(void)send(fd, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	let_go(ctl, fd);
}

static void take(struct control *ctl, int fd, bool abstract)
{
	struct ucred cred = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
	socklen_t len = sizeof(cred);
	struct ctl_client *c;
	size_t i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		refuse(ctl, fd, "internal error");
		return;
	}
	/*
	 * The kernel gives a peer's pid as pid1's namespace sees it, 0 when it cannot: another
	 * container sharing only the network namespace (a pod), or the host. Its uid could be
	 * any uid of that other world, where root or pid1's uid may be anyone.
	 */
	if (abstract && cred.pid == 0) {
		/* Others may connect as often as they like: their refusals do not fill the log. */
		ctl->noutsiders++;
		log_msg(ctl->noutsiders <= 3 || ctl->noutsiders % 1000 == 0 ? LOG_NOTICE
									    : LOG_DEBUG,
			"control: refused a client (uid %d) on @%s: outside pid1's PID namespace "
			"(%zu so far)",
			(int)cred.uid, ctl->name, ctl->noutsiders);
		refuse(ctl, fd, "permission denied: not in pid1's PID namespace");
		return;
	}
	if (!allowed(ctl, fd, &cred)) {
		log_notice("control: refused a client (uid %d, pid %d): not allowed", (int)cred.uid,
			   (int)cred.pid);
		refuse(ctl, fd, "permission denied: only root, pid1's user or its control-group");
		return;
	}
	for (i = 0; i < CONTROL_MAX_CLIENTS && ctl->clients[i] != NULL; i++)
		;
	if (i == CONTROL_MAX_CLIENTS) {
		log_info("control: refused a client (pid %d): %d clients already", (int)cred.pid,
			 CONTROL_MAX_CLIENTS);
		refuse(ctl, fd, "busy: too many control clients at once, try again");
		return;
	}
	/* Allocated only while connected: an idle pid1 keeps no reply buffers resident. */
	c = malloc(sizeof(*c));
	if (c == NULL || loop_add(ctl->st->loop, fd, POLLIN, on_client, c) < 0) {
		free(c);
		refuse(ctl, fd, "internal error");
		return;
	}
	*c = (struct ctl_client){.ctl = ctl, .fd = fd, .pid = cred.pid, .uid = cred.uid};
	c->deadline_ms = loop_now_ms() + CONTROL_TIMEOUT_MS;
	ctl->clients[i] = c;
}

static void on_listener(struct loop *loop, int fd, short revents, void *ctx)
{
	struct control *ctl = ctx;
	int n;

	(void)revents;
	for (n = 0; n < ACCEPT_BATCH; n++) {
		int client = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		/*
		 * Out-of-band data (MSG_OOB) may carry fds too, and a peek passes over it unless it
		 * is read inline: then the peek sees it, and its fds, like any other byte.
		 */
		if (client >= 0 && ctl->careful)
			(void)setsockopt(client, SOL_SOCKET, SO_OOBINLINE, &(int){1}, sizeof(int));
		if (client >= 0) {
			take(ctl, client, fd == ctl->abstract);
			continue;
		}
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* Still pending, the listener would wake us at once: let it rest. */
			log_warn("control: cannot accept a client: %m");
			loop_set_events(loop, fd, 0);
			ctl->paused_until = loop_now_ms() + PAUSE_MS;
		}
		return;
	}
}

int64_t control_deadline(const struct control *ctl)
{
	int64_t best = ctl->paused_until;
	size_t i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (ctl->clients[i] != NULL)
			best = loop_earliest(best, ctl->clients[i]->deadline_ms);
	return best;
}

void control_tick(struct control *ctl)
{
	int64_t now = loop_now_ms();
	struct ctl_client *c;
	size_t i;

	if (ctl->paused_until >= 0 && now >= ctl->paused_until) {
		ctl->paused_until = -1;
		if (ctl->sock.fd >= 0)
			loop_set_events(ctl->st->loop, ctl->sock.fd, POLLIN);
		if (ctl->abstract >= 0)
			loop_set_events(ctl->st->loop, ctl->abstract, POLLIN);
	}
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		c = ctl->clients[i];
		if (c == NULL)
			continue;
		if (c->wait != NULL) {
			if (got_there(ctl->st, c, now)) {
				c->wait = NULL;
				reply(c);
			}
		} else if (c->deadline_ms >= 0 && now >= c->deadline_ms) {
			log_info("control: dropped a client (pid %d): %s within %d ms", (int)c->pid,
				 c->replying ? "did not read its reply" : "sent no request",
				 CONTROL_TIMEOUT_MS);
			drop(c);
		}
	}
}

/* Listens on fd, a bound socket, as a loop source. */
static int listen_on(struct control *ctl, int fd)
{
	/* Before listen: each connection takes the flag on as it is made, before it can send. */
	if (!fdsink_refuse(fd))
		ctl->careful = true;
	if (listen(fd, CONTROL_MAX_CLIENTS * 2) < 0)
		return -1;
	return loop_add(ctl->st->loop, fd, POLLIN, on_listener, ctl);
}

/* Closes a listener, with the connections it queued and whatever fds they carry. */
static void close_listener(struct control *ctl, int fd)
{
	loop_remove(ctl->st->loop, fd);
	let_go(ctl, fd);
}

/* The runtime directory's socket, its file removed while still the one bound, and the directory. */
static void close_file(struct control *ctl)
{
	int keep;

	if (ctl->sock.fd >= 0)
		loop_remove(ctl->st->loop, ctl->sock.fd);
	/*
	 * Connections not yet accepted go with the listener, with whatever they queued: where
	 * that may hold fds, a copy is kept to be let go of by fdsink_close, after the name.
	 */
	keep = ctl->careful && ctl->sock.fd >= 0 ? fcntl(ctl->sock.fd, F_DUPFD_CLOEXEC, 0) : -1;
	rundir_unbind(&ctl->dir, &ctl->sock);
	if (keep >= 0)
		fdsink_close(keep);
	rundir_close(&ctl->dir);
}

/* Resolves the control-group, if any. Returns 0, or -1 after logging that it does not exist. */
static int find_group(struct control *ctl, const char *group)
{
	struct group *gr;

	if (group == NULL)
		return 0;
	errno = 0;
	gr = getgrnam(group);
	if (gr == NULL) {
		log_fail("control-group %s: %s", group,
			 errno != 0 ? strerror(errno) : "no such group");
		return -1;
	}
	ctl->group = true;
	ctl->gid = gr->gr_gid;
	return 0;
}

/*
 * As PID 1, the abstract socket: the one place a read-only root, a user that is not root or
 * a volume others may write to leaves. A name taken already is someone else's, in the same
 * network namespace: warned about, and pid1 ctl does not trust it either (not PID 1).
 */
static void open_abstract(struct control *ctl)
{
	int fd;

	if (rundir_abstract_name(CTL_ABSTRACT_STEM, ctl->name, sizeof(ctl->name)) < 0) {
		log_warn("control socket: no abstract socket: /proc/self/ns/pid: %m");
		return;
	}
	fd = rundir_abstract_bind(ctl->name, SOCK_STREAM);
	if (fd < 0 && errno == EADDRINUSE)
		log_warn("control socket: @%s is held by another process of this network namespace "
			 "(another container of the pod, or the host); pid1 ctl will not trust it",
			 ctl->name);
	else if (fd < 0)
		log_warn("control socket: cannot bind @%s: %m", ctl->name);
	if (fd < 0)
		return;
	if (listen_on(ctl, fd) < 0) {
		log_warn("control socket: cannot listen on @%s: %m", ctl->name);
		close_listener(ctl, fd);
		return;
	}
	ctl->abstract = fd;
	log_info("control socket: @%s", ctl->name);
}

/* The socket in the runtime directory dir. Returns 0, or -1 with errno and why set. */
static int open_file(struct control *ctl, const char *dir, char *why, size_t len)
{
	int err;

	if (rundir_open(&ctl->dir, dir) < 0 ||
	    rundir_bind(&ctl->dir, CTL_SOCKET_NAME, SOCK_STREAM, ctl->group ? 0660 : 0600,
			&ctl->sock) < 0) {
		err = errno;
		snprintf(why, len, "%s", ctl->dir.error);
		rundir_close(&ctl->dir);
		errno = err;
		return -1;
	}
	if ((ctl->group && fchownat(ctl->dir.fd, CTL_SOCKET_NAME, (uid_t)-1, ctl->gid,
				    AT_SYMLINK_NOFOLLOW) < 0) ||
	    listen_on(ctl, ctl->sock.fd) < 0) {
		err = errno;
		snprintf(why, len, "cannot listen on %s/%s: %s", ctl->dir.path, CTL_SOCKET_NAME,
			 strerror(err));
		close_file(ctl);
		errno = err;
		return -1;
	}
	log_info("control socket: %s/%s", ctl->dir.path, CTL_SOCKET_NAME);
	return 0;
}

/*
 * The runtime directory's socket could not be made (why, errno err). Fatal (-1) when the
 * configuration named the directory, or said control = yes and no socket is left. Else a
 * warning that says how to fix it when PID1_RUNTIME_DIR named the directory, something is
 * amiss there (a link, another user's, another pid1's socket) or no socket is left; only a
 * note when the default place cannot be written (a read-only root) and the abstract socket
 * serves.
 */
static int give_up(const struct control *ctl, const struct pid1_conf *conf, const char *why,
		   int err)
{
	const char *env = getenv("PID1_RUNTIME_DIR");
	char who[48] = "root", also[RUNDIR_ABSTRACT_MAX + 48] = "running without a control socket";

	/* Another pid1's socket is never taken over, whatever asked for it. */
	if (err != EADDRINUSE &&
	    (conf->runtime_dir != NULL || (conf->control == CONTROL_YES && ctl->abstract < 0))) {
		log_fail("control socket: %s", why);
		return -1;
	}
	if (geteuid() != 0)
		snprintf(who, sizeof(who), "uid %u or root", (unsigned int)geteuid());
	if (ctl->abstract >= 0)
		snprintf(also, sizeof(also), "pid1 ctl reaches pid1 on @%s", ctl->name);
	if (err == EADDRINUSE)
		log_warn("control socket: %s; %s", why, also);
	else if (env != NULL && env[0] == '/')
		log_warn("control socket: %s; PID1_RUNTIME_DIR names it: point it at a directory "
			 "only %s may write (a tmpfs), or unset it; %s",
			 why, who, also);
	else if (ctl->abstract >= 0 && (err == EROFS || err == EACCES))
		log_info("control socket: none in the default place: %s; %s", why, also);
	else
		log_warn("control socket: %s; set PID1_RUNTIME_DIR or runtime-dir to a directory "
			 "only %s may write (a tmpfs); %s",
			 why, who, also);
	return 0;
}

int control_open(struct control *ctl, struct pid1_state *st)
{
	const struct pid1_conf *conf = st->conf;
	char why[sizeof(ctl->dir.error) + 64], path[PATH_MAX];

	/* Field by field: the directory's path and error buffers stay untouched until used. */
	ctl->st = st;
	ctl->dir.fd = ctl->sock.fd = ctl->abstract = -1;
	ctl->name[0] = '\0';
	ctl->group = ctl->careful = false;
	ctl->paused_until = -1;
	ctl->noutsiders = 0;
	memset(ctl->clients, 0, sizeof(ctl->clients));
	if (conf->control == CONTROL_NO || (conf->control == CONTROL_AUTO && !st->is_pid1))
		return 0;
	if (find_group(ctl, conf->control_group) < 0)
		return -1;
	/* Only PID 1 may serve it: the client trusts no other listener there. */
	if (st->is_pid1)
		open_abstract(ctl);
	if (open_file(ctl,
		      conf->runtime_dir != NULL ? conf->runtime_dir
						: rundir_default(path, sizeof(path)),
		      why, sizeof(why)) < 0 &&
	    give_up(ctl, conf, why, errno) < 0) {
		control_close(ctl);
		return -1;
	}
	return 0;
}

void control_close(struct control *ctl)
{
	size_t i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (ctl->clients[i] != NULL)
			drop(ctl->clients[i]);
	close_file(ctl);
	if (ctl->abstract >= 0)
		close_listener(ctl, ctl->abstract);
	ctl->abstract = -1;
}
