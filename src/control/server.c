// SPDX-License-Identifier: MIT
/*
 * The control socket's server (control/server.h). The listening socket and the clients live in one
 * epoll set, which is the one fd the loop polls for them. A client is read until its request
 * line is whole (at most CTL_REQUEST_MAX bytes, within CONTROL_TIMEOUT_MS), answered from a
 * buffer of its own with non-blocking sends, and dropped when it does not read its reply in
 * time. The rest of the protocol is control/protocol.c's; what the commands do,
 * control/commands.c's. Distrusted, even from an allowed client: fds passed along, whose last close
 * may block. The kernel refuses them where it can (core/fdsink.c); elsewhere bytes are peeked at
 * before they are read, and a client that queued fds is let go through fdsink_close, never closed
 * here.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/server.h"
#include "control/auth.h"
#include "control/commands.h"
#include "core/fdsink.h"
#include "output/log.h"
#include "core/loop.h"
#include "sys/rundir.h"

#define LISTENER     UINT32_MAX
#define ACCEPT_BATCH 64	  /* connections taken per wake-up, so signals are not starved */
#define PAUSE_MS     1000 /* out of fds: how long the listener rests */

struct client {
	/* false: a free slot. The table starts free in .bss, its 140 KiB untouched until used. */
	bool used;
	int fd;
	pid_t pid;
	uid_t uid;
	char in[CTL_REQUEST_MAX];
	size_t nin;
	char out[CTL_REPLY_MAX];
	struct ctl_reply reply;
	size_t sent;
	bool replying;
	int64_t deadline_ms; /* -1 while its reply waits for a program */
	struct ctl_wait wait;
};

static struct {
	struct pid1_state *st;
	struct rundir dir;
	struct rundir_sock sock;
	int ep;
	struct ctlauth auth;
	int64_t paused_until; /* the listener rests until then (out of fds); -1 when not */
	bool careful;	      /* the kernel cannot refuse fds: peek before reading */
	struct client clients[CONTROL_MAX_CLIENTS];
} srv; /* no initializer: its fds are set to -1 by control_open(), and it stays out of .data */

/* Lets go of a client's socket, whatever its peer queued on it. */
static void let_go(int fd)
{
	if (srv.careful)
		fdsink_close(fd);
	else
		close(fd);
}

static void drop(struct client *c)
{
	/* Out of the set now: a throw-away process may hold the socket a while longer. */
	epoll_ctl(srv.ep, EPOLL_CTL_DEL, c->fd, NULL);
	let_go(c->fd);
	c->used = false;
}

/* Reads what c's peer sent, as recv(MSG_DONTWAIT); bytes that carry fds stay queued. */
static ssize_t take_in(int fd, char *buf, size_t len)
{
	return srv.careful ? fdsink_recv(fd, buf, len) : recv(fd, buf, len, MSG_DONTWAIT);
}

/* Watches c for events (0: only its hang-up). */
static void watch(struct client *c, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.u32 = (uint32_t)(c - srv.clients)};

	if (epoll_ctl(srv.ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		drop(c);
}

/* Tells a peer it is not served, without waiting for it, and hangs up. */
static void refuse(int fd, const char *why)
{
	char line[160];
	int n = snprintf(line, sizeof(line), "error %s\n", why);

	(void)send(fd, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	let_go(fd);
}

static void take(int fd)
{
	struct ucred cred = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
	socklen_t len = sizeof(cred);
	struct epoll_event ev = {.events = EPOLLIN};
	struct client *c = NULL;
	size_t i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
	    !ctlauth_allowed(&srv.auth, fd, &cred)) {
		log_notice("control: refused a client (uid %d, pid %d): not allowed", (int)cred.uid,
			   (int)cred.pid);
		refuse(fd, "permission denied: only root, pid1's user or its control-group");
		return;
	}
	for (i = 0; i < CONTROL_MAX_CLIENTS && c == NULL; i++)
		if (!srv.clients[i].used)
			c = &srv.clients[i];
	if (c == NULL) {
		log_info("control: refused a client (pid %d): %d clients already", (int)cred.pid,
			 CONTROL_MAX_CLIENTS);
		refuse(fd, "busy: too many control clients at once, try again");
		return;
	}
	ev.data.u32 = (uint32_t)(c - srv.clients);
	if (epoll_ctl(srv.ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		refuse(fd, "internal error");
		return;
	}
	*c = (struct client){
	    .used = true, .fd = fd, .pid = cred.pid, .uid = cred.uid, .deadline_ms = -1};
	c->reply.buf = c->out;
	c->deadline_ms = loop_now_ms() + CONTROL_TIMEOUT_MS;
}

static void accept_batch(void)
{
	int fd, n;

	for (n = 0; n < ACCEPT_BATCH; n++) {
		fd = accept4(srv.sock.fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		/*
		 * Out-of-band data (MSG_OOB) may carry fds too, and a peek passes over it unless it
		 * is read inline: then the peek sees it, and its fds, like any other byte.
		 */
		if (fd >= 0 && srv.careful)
			(void)setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &(int){1}, sizeof(int));
		if (fd >= 0) {
			take(fd);
			continue;
		}
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* Still pending, the listener would wake us at once: let it rest. */
			log_warn("control: cannot accept a client: %m");
			epoll_ctl(srv.ep, EPOLL_CTL_DEL, srv.sock.fd, NULL);
			srv.paused_until = loop_now_ms() + PAUSE_MS;
		}
		return;
	}
}

/* Sends what is left of the reply; the client is done once all of it is sent. */
static void flush(struct client *c)
{
	char sink[CTL_REQUEST_MAX];
	ssize_t n;
	int i;

	while (c->sent < c->reply.len) {
		n = send(c->fd, c->out + c->sent, c->reply.len - c->sent,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			watch(c, EPOLLOUT);
			return;
		}
		if (n <= 0) {
			drop(c);
			return;
		}
		c->sent += (size_t)n;
	}
	/* What it sent beyond its request, read away: a close with it unread resets the peer. */
	for (i = 0; i < 16 && take_in(c->fd, sink, sizeof(sink)) > 0; i++)
		;
	drop(c);
}

static void reply(struct client *c)
{
	c->replying = true;
	c->sent = 0;
	c->deadline_ms = loop_now_ms() + CONTROL_TIMEOUT_MS;
	flush(c);
}

/* The request line is whole: run it, answer now or once its program got there. */
static void handle(struct client *c, size_t len)
{
	struct ctl_request req;
	const char *why;
	char who[64];

	why = ctlproto_parse(c->in, len, &req);
	if (why != NULL) {
		ctlcmd_put(&c->reply, "error %s", why);
		reply(c);
		return;
	}
	snprintf(who, sizeof(who), "pid1 ctl (uid %d, pid %d)", (int)c->uid, (int)c->pid);
	ctlcmd_run(srv.st, &req, who, &c->reply, &c->wait);
	if (c->wait.p == NULL) {
		reply(c);
		return;
	}
	c->deadline_ms = -1; /* the program's ladder bounds the wait */
	watch(c, 0);
}

static void readable(struct client *c)
{
	char *nl;
	ssize_t n;

	n = take_in(c->fd, c->in + c->nin, sizeof(c->in) - c->nin);
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
		ctlcmd_put(&c->reply, "error request too long (at most %d bytes)", CTL_REQUEST_MAX);
		reply(c);
	}
}

static void on_event(struct client *c, uint32_t events)
{
	if (!c->used)
		return;
	if (c->replying && (events & EPOLLOUT))
		flush(c);
	else if (!c->replying && c->wait.p == NULL && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		readable(c);
	else if (events & (EPOLLHUP | EPOLLERR))
		drop(c);
}

static void on_ready(int fd, short revents, void *ctx)
{
	struct epoll_event evs[CONTROL_MAX_CLIENTS + 1];
	int n, i;

	(void)revents;
	(void)ctx;
	n = epoll_wait(fd, evs, CONTROL_MAX_CLIENTS + 1, 0);
	for (i = 0; i < n; i++) {
		if (evs[i].data.u32 == LISTENER)
			accept_batch();
		else if (evs[i].data.u32 < CONTROL_MAX_CLIENTS)
			on_event(&srv.clients[evs[i].data.u32], evs[i].events);
	}
}

int64_t control_deadline(void)
{
	int64_t best = srv.paused_until;
	size_t i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		const struct client *c = &srv.clients[i];

		if (c->used && c->deadline_ms >= 0 && (best < 0 || c->deadline_ms < best))
			best = c->deadline_ms;
	}
	return best;
}

/* Listens again after a rest. */
static void resume(void)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = LISTENER};

	srv.paused_until = -1;
	if (epoll_ctl(srv.ep, EPOLL_CTL_ADD, srv.sock.fd, &ev) < 0)
		log_warn("control: cannot listen again: %m");
}

void control_tick(struct pid1_state *st)
{
	int64_t now = loop_now_ms();
	struct client *c;
	size_t i;

	if (srv.paused_until >= 0 && now >= srv.paused_until)
		resume();
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		c = &srv.clients[i];
		if (!c->used)
			continue;
		if (c->deadline_ms >= 0 && now >= c->deadline_ms) {
			log_info("control: dropped a client (pid %d): %s within %d ms", (int)c->pid,
				 c->replying ? "did not read its reply" : "sent no request",
				 CONTROL_TIMEOUT_MS);
			drop(c);
		} else if (c->wait.p != NULL && ctlcmd_poll(st, &c->wait, &c->reply)) {
			c->wait.p = NULL;
			reply(c);
		}
	}
}

/*
 * A failure to set up: fatal when asked for explicitly; else logged and survived, quietly
 * when pid1 may simply not write there (a read-only root, a user that is not root).
 */
static int give_up(bool explicit, const char *why)
{
	int err = errno;

	if (explicit) {
		log_err("control socket: %s", why);
		return -1;
	}
	if (err == EACCES || err == EROFS)
		log_info("running without a control socket: %s", why);
	else
		log_warn("running without a control socket: %s", why);
	return 0;
}

static int listen_on(void)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = LISTENER};

	if (srv.auth.group &&
	    fchownat(srv.dir.fd, CTL_SOCKET_NAME, (uid_t)-1, srv.auth.gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	/* Before listen: each connection takes the flag on as it is made, before it can send. */
	srv.careful = !fdsink_refuse(srv.sock.fd);
	if (listen(srv.sock.fd, CONTROL_MAX_CLIENTS * 2) < 0)
		return -1;
	srv.ep = epoll_create1(EPOLL_CLOEXEC);
	if (srv.ep < 0)
		return -1;
	if (epoll_ctl(srv.ep, EPOLL_CTL_ADD, srv.sock.fd, &ev) < 0 ||
	    loop_add(srv.ep, POLLIN, on_ready, NULL) < 0)
		return -1;
	return 0;
}

int control_open(struct pid1_state *st)
{
	const struct pid1_conf *conf = st->conf;
	bool explicit = conf->control == CONTROL_YES || conf->runtime_dir != NULL;
	char why[sizeof(srv.dir.error) + 64], path[PATH_MAX];
	int err;

	srv.st = st;
	srv.dir.fd = srv.sock.fd = srv.ep = -1;
	srv.paused_until = -1;
	if (conf->control == CONTROL_NO || (conf->control == CONTROL_AUTO && !st->is_pid1))
		return 0;
	if (ctlauth_init(&srv.auth, conf->control_group) < 0)
		return -1;
	if (rundir_open(&srv.dir, conf->runtime_dir != NULL
				      ? conf->runtime_dir
				      : rundir_default(path, sizeof(path))) < 0)
		return give_up(explicit, srv.dir.error);
	if (rundir_bind(&srv.dir, CTL_SOCKET_NAME, SOCK_STREAM, srv.auth.group ? 0660 : 0600,
			&srv.sock) < 0) {
		err = errno;
		snprintf(why, sizeof(why), "%s", srv.dir.error);
		rundir_close(&srv.dir);
		errno = err;
		/* Another pid1's socket is never taken over, whatever asked for it. */
		return give_up(explicit && err != EADDRINUSE, why);
	}
	if (listen_on() < 0) {
		err = errno;
		snprintf(why, sizeof(why), "cannot listen on %s/%s: %s", srv.dir.path,
			 CTL_SOCKET_NAME, strerror(err));
		control_close();
		errno = err;
		return give_up(explicit, why);
	}
	log_info("control socket: %s/%s", srv.dir.path, CTL_SOCKET_NAME);
	return 0;
}

void control_close(void)
{
	size_t i;
	int keep;

	if (srv.st == NULL)
		return;
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (srv.clients[i].used)
			drop(&srv.clients[i]);
	if (srv.ep >= 0)
		close(srv.ep);
	srv.ep = -1;
	/*
	 * Connections not yet accepted go with the listener, with whatever they queued: where
	 * that may hold fds, a copy is kept to be let go of by fdsink_close, after the name.
	 */
	keep = srv.careful && srv.sock.fd >= 0 ? fcntl(srv.sock.fd, F_DUPFD_CLOEXEC, 0) : -1;
	rundir_unbind(&srv.dir, &srv.sock);
	if (keep >= 0)
		fdsink_close(keep);
	rundir_close(&srv.dir);
}
