// SPDX-License-Identifier: MIT
/*
 * The sd_notify socket. Distrusted: any process that can reach the socket may send to it,
 * as any user, anything, as fast as it likes. So each datagram is read whole into a bounded
 * buffer (longer ones are dropped, not cut), never blocking and a bounded number per wake-up;
 * the sender is the kernel's SCM_CREDENTIALS pid, not anything it says, and counts only if it
 * is a program with ready = notify or a descendant of one (MAINPID=, from the program's own
 * process, may name one more: a descendant, or a daemon that forked away to pid1); fds passed
 * along are closed and the message dropped. A message from anyone else, or
 * one that is not text, is dropped with a debug line. The socket is abstract and autobound
 * (the kernel picks a unique name), so there is no file for anyone to replace or hold.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vis.h>

#include "log.h"
#include "loop.h"
#include "notice.h"
#include "notify.h"

/* Datagrams read per wake-up: the rest wait, so a flood cannot hold the loop. */
#define NOTIFY_BATCH 32
/* Parents followed from a sender towards a program. */
#define NOTIFY_DEPTH 32
/* After the name in /proc/PID/stat: the state, the ppid, 17 fields, the start time. */
#define STAT_PPID_START                                                                            \
	" %*c %ld %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu"
/* Fds a sender may attach, read only to be closed. */
#define NOTIFY_FDS 16
/* The longest wait a program may ask for (EXTEND_TIMEOUT_USEC, WATCHDOG_USEC): a day. */
#define NOTIFY_USEC_MAX (24ULL * 3600 * 1000 * 1000)

static int sock = -1;
static const struct pid1_state *state; /* read only, to match senders to programs */
static char address[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
/*
 * The process MAINPID= named for a program, the pid it was named for, and the named one's
 * start time: once it has ended its pid may be another process's, which must not inherit it.
 */
static struct {
	pid_t main, owner;
	unsigned long long start;
} mainpids[CONF_MAX_PROGRAMS + 1];

/* The parent and start time of pid, from /proc; false when it cannot tell. */
static bool stat_of(pid_t pid, pid_t *parent, unsigned long long *start)
{
	char path[32], buf[512], *close_paren;
	ssize_t got;
	long ppid;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0)
		return false;
	buf[got] = '\0';
	/* The name may hold spaces and ')': state, ppid and the rest follow the last ')'. */
	close_paren = strrchr(buf, ')');
	if (close_paren == NULL || sscanf(close_paren + 1, STAT_PPID_START, &ppid, start) != 2)
		return false;
	*parent = ppid > 0 ? (pid_t)ppid : 0;
	return true;
}

/* The parent of pid, from /proc; 0 when it cannot tell. */
static pid_t parent_of(pid_t pid)
{
	unsigned long long start;
	pid_t parent;

	return stat_of(pid, &parent, &start) ? parent : 0;
}

/* Whether pid is top or one of its descendants. */
static bool in_tree(pid_t pid, pid_t top)
{
	int depth;

	for (depth = 0; pid > 1 && depth < NOTIFY_DEPTH; depth++) {
		if (pid == top)
			return true;
		pid = parent_of(pid);
	}
	return false;
}

/* Whether pid is one of the n in chain. */
static bool in_chain(const pid_t *chain, size_t n, pid_t pid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (chain[i] == pid)
			return true;
	return false;
}

/* Whether the process MAINPID= named for program idx still runs, not another with its pid. */
static bool still_main(size_t idx)
{
	unsigned long long start;
	pid_t parent;

	return stat_of(mainpids[idx].main, &parent, &start) && start == mainpids[idx].start;
}

/*
 * The program with ready = notify whose tree pid is in, or -1. pid's ancestors are read
 * once, not once per program: a flood of messages costs at most NOTIFY_DEPTH reads each.
 */
static long find_sender(const struct pid1_state *st, pid_t pid)
{
	pid_t chain[NOTIFY_DEPTH];
	const struct program *p;
	size_t i, n = 0;

	for (; pid > 1 && n < NOTIFY_DEPTH; pid = parent_of(pid))
		chain[n++] = pid;
	for (i = 0; i < st->nprograms; i++) {
		p = &st->programs[i];
		if (p->ready_mode != READY_NOTIFY || !program_running(p) || p->pid <= 0)
			continue;
		if (in_chain(chain, n, p->pid) ||
		    (mainpids[i].owner == p->pid && in_chain(chain, n, mainpids[i].main) &&
		     still_main(i)))
			return (long)i;
	}
	return -1;
}

/* A decimal number of microseconds, 1..a day, as milliseconds; -1 when not one. */
static int64_t usec_ms(const char *s)
{
	unsigned long long us;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	us = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || us == 0 || us > NOTIFY_USEC_MAX)
		return -1;
	return (int64_t)((us + 999) / 1000);
}

/* STATUS=: cut, then escaped (at most four bytes for one), then cut again to fit. */
static void take_status(struct notice *n, const char *text)
{
	char cut[NOTICE_STATUS_MAX], escaped[4 * NOTICE_STATUS_MAX];

	strlcpy(cut, text, sizeof(cut));
	strvis(escaped, cut, VIS_SAFE | VIS_OCTAL | VIS_NOLOCALE);
	strlcpy(n->status, escaped, sizeof(n->status));
}

/*
 * MAINPID=, sent by the program's own process: the process it names must be its own
 * descendant, or one that left its tree and came to pid1 (a daemon that forked away), and
 * not another program's process. Its start time, the same before and after the checks,
 * tells it from a later process given the same pid.
 */
static bool main_pid_ok(const struct pid1_state *st, const struct program *p, pid_t sender,
			pid_t pid, unsigned long long *start)
{
	unsigned long long again;
	pid_t parent;
	size_t i;

	if (sender != p->pid || pid <= 1 || !stat_of(pid, &parent, start))
		return false;
	for (i = 0; i < st->nprograms; i++)
		if (&st->programs[i] != p && program_running(&st->programs[i]) &&
		    st->programs[i].pid == pid)
			return false;
	return (in_tree(pid, p->pid) || parent == getpid()) && stat_of(pid, &parent, &again) &&
	       again == *start;
}

/* MAINPID=: only the last one of a message is checked, so a long message costs one check. */
static void take_main_pid(const struct pid1_state *st, size_t idx, pid_t sender, struct notice *n,
			  const char *value)
{
	const struct program *p = &st->programs[idx];
	unsigned long long start;
	long pid;
	char *end;

	errno = 0;
	pid = strtol(value, &end, 10);
	if (errno == 0 && *end == '\0' && pid <= INT32_MAX &&
	    main_pid_ok(st, p, sender, (pid_t)pid, &start)) {
		mainpids[idx].main = (pid_t)pid;
		mainpids[idx].owner = p->pid;
		mainpids[idx].start = start;
		n->mainpid = (pid_t)pid;
	}
}

/*
 * One KEY=VALUE line of a message; unknown keys are ignored, as systemd does. A MAINPID=
 * value is only noted, in *main_pid.
 */
static void take_line(struct notice *n, const char *line, const char **main_pid)
{
	if (strcmp(line, "READY=1") == 0)
		n->ready = true;
	else if (strcmp(line, "WATCHDOG=1") == 0)
		n->alive = true;
	else if (strcmp(line, "STOPPING=1") == 0)
		n->stopping = true;
	else if (strcmp(line, "WATCHDOG=trigger") == 0)
		n->trigger = true;
	else if (strncmp(line, "STATUS=", 7) == 0)
		take_status(n, line + 7);
	else if (strncmp(line, "EXTEND_TIMEOUT_USEC=", 20) == 0)
		n->extend_ms = usec_ms(line + 20);
	else if (strncmp(line, "WATCHDOG_USEC=", 14) == 0)
		n->watchdog_ms = usec_ms(line + 14);
	else if (strncmp(line, "MAINPID=", 8) == 0)
		*main_pid = line + 8;
}

/* Closes the fds a sender attached (pid1 keeps none) and returns how many there were. */
static size_t close_passed(struct msghdr *msg, struct ucred **cred)
{
	struct cmsghdr *c;
	size_t i, nfds, total = 0;
	int fd;

	*cred = NULL;
	for (c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len == CMSG_LEN(sizeof(struct ucred)))
			*cred = (struct ucred *)(void *)CMSG_DATA(c);
		if (c->cmsg_type != SCM_RIGHTS)
			continue;
		nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfds; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			close(fd);
		}
		total += nfds;
	}
	return total;
}

/* Reads one datagram; returns false when there is none left. */
static bool take_one(const struct pid1_state *st)
{
	char buf[NOTIFY_MSG_MAX + 1], *line, *next;
	const char *main_pid = NULL;
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(NOTIFY_FDS * sizeof(int))];
	} control;
	struct iovec iov = {buf, sizeof(buf) - 1};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = &control,
			     .msg_controllen = sizeof(control)};
	struct ucred *cred;
	struct notice *n;
	ssize_t got;
	long idx;

	got = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
	if (got < 0)
		return errno == EINTR;
	/* pid1 stores no fds for anyone: a message that carries some is not meant for it. */
	if (close_passed(&msg, &cred) > 0 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    got > NOTIFY_MSG_MAX) {
		log_debug("notify: a datagram of %zd bytes dropped: over %d bytes, or with fds",
			  got, NOTIFY_MSG_MAX);
		return true;
	}
	idx = cred != NULL ? find_sender(st, cred->pid) : -1;
	if (idx < 0) {
		log_debug("notify: a message from pid %d (uid %d) dropped: no program with "
			  "ready = notify sent it",
			  cred != NULL ? (int)cred->pid : 0, cred != NULL ? (int)cred->uid : -1);
		return true;
	}
	if (got == 0 || memchr(buf, '\0', (size_t)got) != NULL) {
		log_debug("notify: a message from %s dropped: not text", st->programs[idx].name);
		return true;
	}
	buf[got] = '\0';
	n = notice_of((size_t)idx, st->programs[idx].pid);
	for (line = buf; line != NULL && n != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		take_line(n, line, &main_pid);
	}
	if (main_pid != NULL && n != NULL)
		take_main_pid(st, (size_t)idx, cred->pid, n, main_pid);
	return true;
}

static void on_readable(int fd, short revents, void *ctx)
{
	int i;

	(void)fd;
	(void)revents;
	(void)ctx;
	for (i = 0; i < NOTIFY_BATCH && take_one(state); i++)
		;
}

int notify_open(const struct pid1_state *st)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	socklen_t len = sizeof(sa);
	int one = 1;

	state = st;
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	/* Binding only the family autobinds: a unique abstract name, chosen by the kernel. */
	if (sock < 0 || setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    bind(sock, (struct sockaddr *)&sa, sizeof(sa_family_t)) < 0 ||
	    getsockname(sock, (struct sockaddr *)&sa, &len) < 0 ||
	    len <= offsetof(struct sockaddr_un, sun_path) + 1 ||
	    loop_add(sock, POLLIN, on_readable, NULL) < 0) {
		log_err("cannot open the notify socket: %m");
		notify_close();
		return -1;
	}
	/* The name's first byte is NUL; NOTIFY_SOCKET spells it '@'. */
	address[0] = '@';
	memcpy(address + 1, sa.sun_path + 1, len - offsetof(struct sockaddr_un, sun_path) - 1);
	address[len - offsetof(struct sockaddr_un, sun_path)] = '\0';
	return 0;
}

const char *notify_address(void)
{
	return sock >= 0 ? address : NULL;
}

void notify_close(void)
{
	if (sock >= 0) {
		loop_remove(sock);
		close(sock);
	}
	sock = -1;
}
