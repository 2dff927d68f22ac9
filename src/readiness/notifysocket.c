// SPDX-License-Identifier: MIT
/*
 * The sd_notify socket. Distrusted: any process that can reach the socket may send to it,
 * as any user, anything, as fast as it likes. So each datagram is read whole into a bounded
 * buffer (longer ones are dropped, not cut), never blocking and a bounded number per wake-up;
 * the sender is the kernel's SCM_CREDENTIALS pid, not anything it says, and counts only if it
 * is a program with ready = notify or a descendant of one (MAINPID=, from the program's own
 * process, may name one more: a descendant, or a daemon that forked away to pid1). A message
 * from anyone else, or one that is not text, is dropped with a debug line; a sender found to
 * be a stranger is remembered while it lives, so its next messages cost no system call. Fds
 * are refused by the kernel where it can (core/fdsink.c); elsewhere a datagram that carries some
 * is left to a throw-away process, as its last close may block. The socket is abstract and
 * autobound (the kernel picks a unique name), so there is no file to replace or hold.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vis.h>

#include "core/fdsink.h"
#include "core/log.h"
#include "core/loop.h"
#include "readiness/inbox.h"

/* The largest datagram read; a longer one is dropped whole. */
#define NOTIFY_MSG_MAX 4096
/* Datagrams read per wake-up: the rest wait, so a flood cannot hold the loop. */
#define NOTIFY_BATCH 32
/* Datagrams read by one system call, where the kernel refuses fds. */
#define NOTIFY_READ 8
/* How long the socket rests when no process could be started to take passed fds. */
#define NOTIFY_RETRY_MS 250
/* Parents followed from a sender towards a program. */
#define NOTIFY_DEPTH 32
/* After the name in /proc/PID/stat: the state, the ppid, 17 fields, the start time. */
#define STAT_PPID_START                                                                            \
	" %*c %ld %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu"
/* Strangers remembered (each by a pidfd in the loop: LOOP_MAX_SOURCES counts them). */
#define NOTIFY_STRANGERS 8
/* The longest wait a program may ask for (EXTEND_TIMEOUT_USEC, WATCHDOG_USEC): a day. */
#define NOTIFY_USEC_MAX (24ULL * 3600 * 1000 * 1000)

/* CMSG_ALIGN as a plain constant expression: n rounded up to a multiple of size_t. */
#define CMSG_RND(n) (((n) + sizeof(size_t) - 1) / sizeof(size_t) * sizeof(size_t))

/* What one datagram is read into: its bytes, one more for a NUL, and its credentials. */
struct dgram {
	char buf[NOTIFY_MSG_MAX + 1];
	struct iovec iov;
	union {
		struct cmsghdr align;
		/* CMSG_SPACE(sizeof(struct ucred)), spelled so that every compiler takes it as
		 * a constant: a header and the credentials, each rounded up to a size_t. */
		char space[CMSG_RND(sizeof(struct cmsghdr)) + CMSG_RND(sizeof(struct ucred))];
	} control;
};

/* Allocated by notifysocket_open() and held by the state (st->notify). */
struct notifysocket {
	struct loop *loop;
	int sock;
	bool careful;	  /* the kernel cannot refuse fds: peek at each datagram first */
	bool warned;	  /* that no process could take passed fds, until one can again */
	int sink_done;	  /* while a throw-away process takes fds off the queue: its pipe */
	int64_t retry_ms; /* when no such process could be started: the socket rests until then */
	char address[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	/*
	 * The process MAINPID= named for a program, the pid it was named for, and the named
	 * one's start time: once it has ended its pid may be another's, which must not inherit it.
	 */
	struct {
		pid_t main, owner;
		unsigned long long start;
	} mainpids[CONF_MAX_PROGRAMS + 1];
	/*
	 * Senders found to be no program's, each with a pidfd: while it has not ended, its pid
	 * is not another's. A process stays outside every program's tree (it can only be
	 * reparented upwards, and a program started later is no ancestor of it) unless MAINPID=
	 * names it or an ancestor, which forgets them all.
	 */
	struct {
		pid_t pid; /* 0: a free slot */
		int pidfd;
		unsigned long used;
	} strangers[NOTIFY_STRANGERS];
	unsigned long clock_hand;
	struct dgram dgrams[NOTIFY_READ]; /* read by one system call where fds are refused */
};

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

/* A pidfd for pid (close-on-exec), or -1 where the kernel has none (before Linux 5.3). */
static int pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0U);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/* Whether the process behind pidfd has ended (its pid may be another's now). */
static bool ended(int pidfd)
{
	struct pollfd pfd = {.fd = pidfd, .events = POLLIN};

	return poll(&pfd, 1, 0) != 0;
}

static void forget(struct notifysocket *ns, size_t i)
{
	loop_remove(ns->loop, ns->strangers[i].pidfd);
	close(ns->strangers[i].pidfd);
	ns->strangers[i].pid = 0;
}

/* A remembered stranger ended: its pid may be given to another process. */
static void on_ended(struct loop *loop, int fd, short revents, void *ctx)
{
	struct notifysocket *ns = ctx;
	size_t i;

	(void)loop;
	(void)revents;
	for (i = 0; i < NOTIFY_STRANGERS; i++)
		if (ns->strangers[i].pid != 0 && ns->strangers[i].pidfd == fd)
			forget(ns, i);
}

/* Forgets every stranger: a MAINPID= may have made one of them a sender. */
static void forget_all(struct notifysocket *ns)
{
	size_t i;

	for (i = 0; i < NOTIFY_STRANGERS; i++)
		if (ns->strangers[i].pid != 0)
			forget(ns, i);
}

/*
 * Whether pid is a stranger already found so: no system call. Its pidfd is in the loop,
 * which forgets it once it ends; a new process given its pid before then would have to
 * come after pid_max others (the kernel hands pids out in a cycle).
 */
static bool known_stranger(struct notifysocket *ns, pid_t pid)
{
	size_t i;

	for (i = 0; i < NOTIFY_STRANGERS; i++) {
		if (ns->strangers[i].pid == pid) {
			ns->strangers[i].used = ++ns->clock_hand;
			return true;
		}
	}
	return false;
}

/* Remembers the stranger pidfd was opened on before it was judged, in the stalest slot. */
static void remember(struct notifysocket *ns, pid_t pid, int pidfd)
{
	size_t i, best = 0;

	for (i = 0; i < NOTIFY_STRANGERS; i++) {
		if (ns->strangers[i].pid == 0) {
			best = i;
			break;
		}
		if (ns->strangers[i].used < ns->strangers[best].used)
			best = i;
	}
	if (ns->strangers[best].pid != 0)
		forget(ns, best);
	/* Ended while it was judged, its pid may be anyone's by now; else it is watched. */
	if (ended(pidfd) || loop_add(ns->loop, pidfd, POLLIN, on_ended, ns) < 0) {
		close(pidfd);
		return;
	}
	ns->strangers[best].pid = pid;
	ns->strangers[best].pidfd = pidfd;
	ns->strangers[best].used = ++ns->clock_hand;
}

/*
 * The program with ready = notify whose tree pid is in, or -1. pid's ancestors are read
 * once, not once per program, and only the first time a stranger writes: a flood from one
 * costs no more than reading it, not up to NOTIFY_DEPTH /proc reads a message.
 */
static long find_sender(const struct pid1_state *st, pid_t pid)
{
	struct notifysocket *ns = st->notify;
	pid_t chain[NOTIFY_DEPTH], top = pid, parent;
	unsigned long long start;
	const struct program *p;
	size_t i, n = 0;
	int pidfd;

	if (pid <= 1 || known_stranger(ns, pid))
		return -1;
	/* Opened before the walk: the walk then judges the process the pidfd holds. */
	pidfd = pidfd_of(pid);
	for (; pid > 1 && n < NOTIFY_DEPTH; pid = parent_of(pid))
		chain[n++] = pid;
	for (i = 0; i < st->nprograms; i++) {
		p = &st->programs[i];
		if (p->ready_mode != READY_NOTIFY || !program_running(p) || p->pid <= 0)
			continue;
		/* A MAINPID= counts while the process it named runs, not another with its pid. */
		if (in_chain(chain, n, p->pid) ||
		    (ns->mainpids[i].owner == p->pid && in_chain(chain, n, ns->mainpids[i].main) &&
		     stat_of(ns->mainpids[i].main, &parent, &start) &&
		     start == ns->mainpids[i].start)) {
			if (pidfd >= 0)
				close(pidfd);
			return (long)i;
		}
	}
	if (pidfd >= 0)
		remember(ns, top, pidfd);
	return -1;
}

/* A decimal number of microseconds, 1..a day, as milliseconds; -1 when not one. */
static int64_t usec_ms(const char *s)
{
	const char *err = NULL;
	long long us;

	if (*s < '0' || *s > '9')
		return -1;
	us = strtonum(s, 1, NOTIFY_USEC_MAX, &err);
	return err == NULL ? (int64_t)((us + 999) / 1000) : -1;
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
 * MAINPID=, only the last of a message (a long one costs one check), sent by the program's
 * own process: the process it names must be its own descendant, or one that left its tree
 * and came to pid1 (a daemon that forked away), and not another program's process. Its
 * start time, the same before and after the checks, tells it from a later one with its pid.
 */
static void take_main_pid(const struct pid1_state *st, size_t idx, pid_t sender, struct notice *n,
			  const char *value)
{
	const struct program *p = &st->programs[idx];
	struct notifysocket *ns = st->notify;
	unsigned long long start, again;
	const char *err = NULL;
	pid_t pid = (pid_t)strtonum(value, 2, INT32_MAX, &err), parent;
	size_t i;

	if (err != NULL || sender != p->pid || !stat_of(pid, &parent, &start))
		return;
	for (i = 0; i < st->nprograms; i++)
		if (&st->programs[i] != p && program_running(&st->programs[i]) &&
		    st->programs[i].pid == pid)
			return;
	if ((!in_tree(pid, p->pid) && parent != getpid()) || !stat_of(pid, &parent, &again) ||
	    again != start)
		return;
	ns->mainpids[idx].main = pid;
	ns->mainpids[idx].owner = p->pid;
	ns->mainpids[idx].start = start;
	n->mainpid = pid;
	forget_all(ns);
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

/* The sender's credentials among msg's control messages, or NULL. */
static const struct ucred *cred_of(struct msghdr *msg)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len == CMSG_LEN(sizeof(struct ucred)))
			return (const struct ucred *)(void *)CMSG_DATA(c);
	return NULL;
}

static void stop_sink(struct notifysocket *ns)
{
	if (ns->sink_done < 0)
		return;
	loop_remove(ns->loop, ns->sink_done);
	close(ns->sink_done);
	ns->sink_done = -1;
}

static void on_sink_done(struct loop *loop, int fd, short revents, void *ctx)
{
	struct notifysocket *ns = ctx;

	(void)loop;
	(void)fd;
	(void)revents;
	stop_sink(ns);
	loop_set_events(ns->loop, ns->sock, POLLIN);
}

/*
 * The datagram at the head carries fds (a kernel that cannot refuse them): a throw-away
 * process takes it, and pid1 reads on once it is off the queue. Returns false: pause.
 */
static bool hand_off(struct notifysocket *ns)
{
	loop_set_events(ns->loop, ns->sock, 0);
	ns->sink_done = fdsink_take(ns->sock);
	if (ns->sink_done >= 0 &&
	    loop_add(ns->loop, ns->sink_done, POLLIN, on_sink_done, ns) == 0) {
		log_debug("notify: a datagram with fds left to a process of its own");
		ns->warned = false;
		return false;
	}
	/*
	 * Taking it here could block pid1 on its fds, and reading past it is not possible: the
	 * socket rests a while (messages wait in its queue), then the head is tried again.
	 */
	if (!ns->warned)
		log_warn("notify: cannot start a process to take passed fds: %m");
	ns->warned = true;
	if (ns->sink_done >= 0)
		close(ns->sink_done);
	ns->sink_done = -1;
	ns->retry_ms = loop_now_ms() + NOTIFY_RETRY_MS;
	return false;
}

int64_t notifysocket_deadline(const struct notifysocket *ns)
{
	return ns != NULL ? ns->retry_ms : -1;
}

void notifysocket_tick(struct notifysocket *ns, int64_t now)
{
	if (ns == NULL || ns->retry_ms < 0 || now < ns->retry_ms)
		return;
	ns->retry_ms = -1;
	if (ns->sock >= 0 && ns->sink_done < 0)
		loop_set_events(ns->loop, ns->sock, POLLIN);
}

/* Points msg at d. No room for fds: a peek drops only its own references, a read the last. */
static void prepare(struct dgram *d, struct msghdr *msg)
{
	d->iov = (struct iovec){d->buf, sizeof(d->buf) - 1};
	*msg = (struct msghdr){.msg_iov = &d->iov,
			       .msg_iovlen = 1,
			       .msg_control = &d->control,
			       .msg_controllen = sizeof(d->control)};
}

/* One datagram of got bytes (its whole length, MSG_TRUNC), read into buf. */
static void take_message(const struct pid1_state *st, char *buf, ssize_t got, struct msghdr *msg)
{
	char *line, *next;
	const char *main_pid = NULL;
	const struct ucred *cred;
	struct notice *n;
	long idx;

	if ((msg->msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || got > NOTIFY_MSG_MAX) {
		log_debug("notify: a datagram of %zd bytes dropped: over %d bytes, or with fds",
			  got, NOTIFY_MSG_MAX);
		return;
	}
	cred = cred_of(msg);
	idx = cred != NULL ? find_sender(st, cred->pid) : -1;
	if (idx < 0) {
		log_debug("notify: a message from pid %d (uid %d) dropped: no program with "
			  "ready = notify sent it",
			  cred != NULL ? (int)cred->pid : 0, cred != NULL ? (int)cred->uid : -1);
		return;
	}
	if (got == 0 || memchr(buf, '\0', (size_t)got) != NULL) {
		log_debug("notify: a message from %s dropped: not text", st->programs[idx].name);
		return;
	}
	buf[got] = '\0';
	n = inbox_of(st->inbox, (size_t)idx, st->programs[idx].pid);
	for (line = buf; line != NULL && n != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		take_line(n, line, &main_pid);
	}
	if (main_pid != NULL && n != NULL)
		take_main_pid(st, (size_t)idx, cred->pid, n, main_pid);
}

/*
 * Where fds may come: peeks at one datagram, takes it if it carries none. Returns false
 * when there is none left or reading pauses.
 */
static bool take_one(const struct pid1_state *st)
{
	struct notifysocket *ns = st->notify;
	struct msghdr msg;
	ssize_t got;

	prepare(&ns->dgrams[0], &msg);
	got = recvmsg(ns->sock, &msg, MSG_DONTWAIT | MSG_TRUNC | MSG_PEEK);
	if (got < 0)
		return errno == EINTR;
	if (msg.msg_flags & MSG_CTRUNC)
		return hand_off(ns);
	(void)recv(ns->sock, NULL, 0, MSG_DONTWAIT); /* its copy is read: off the queue */
	take_message(st, ns->dgrams[0].buf, got, &msg);
	return true;
}

/* Where the kernel refuses fds: up to NOTIFY_READ datagrams at once. False: none left. */
static bool take_many(const struct pid1_state *st)
{
	struct notifysocket *ns = st->notify;
	struct mmsghdr mm[NOTIFY_READ];
	int i, n;

	for (i = 0; i < NOTIFY_READ; i++)
		prepare(&ns->dgrams[i], &mm[i].msg_hdr);
	n = recvmmsg(ns->sock, mm, NOTIFY_READ, MSG_DONTWAIT | MSG_TRUNC, NULL);
	if (n < 0)
		return errno == EINTR;
	for (i = 0; i < n; i++)
		take_message(st, ns->dgrams[i].buf, (ssize_t)mm[i].msg_len, &mm[i].msg_hdr);
	return n == NOTIFY_READ;
}

static void on_readable(struct loop *loop, int fd, short revents, void *ctx)
{
	const struct pid1_state *st = ctx;
	int i;

	(void)loop;
	(void)fd;
	(void)revents;
	for (i = 0; i < NOTIFY_BATCH; i += st->notify->careful ? 1 : NOTIFY_READ)
		if (!(st->notify->careful ? take_one(st) : take_many(st)))
			break;
}

int notifysocket_open(struct pid1_state *st)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	socklen_t len = sizeof(sa);
	struct notifysocket *ns;
	int one = 1;

	/* Zeroed pages the kernel backs only once written, as .bss: no calloc touching all. */
	ns = mmap(NULL, sizeof(*ns), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ns == MAP_FAILED) {
		log_err("cannot open the notify socket: %m");
		return -1;
	}
	st->notify = ns;
	ns->loop = st->loop;
	ns->sink_done = -1;
	ns->retry_ms = -1;
	ns->sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	/* Before the name exists, so that nothing can be sent before it holds. */
	ns->careful = ns->sock >= 0 && !fdsink_refuse(ns->sock);
	/* Binding only the family autobinds: a unique abstract name, chosen by the kernel. */
	if (ns->sock < 0 || setsockopt(ns->sock, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    bind(ns->sock, (struct sockaddr *)&sa, sizeof(sa_family_t)) < 0 ||
	    getsockname(ns->sock, (struct sockaddr *)&sa, &len) < 0 ||
	    len <= offsetof(struct sockaddr_un, sun_path) + 1 ||
	    loop_add(ns->loop, ns->sock, POLLIN, on_readable, st) < 0) {
		log_err("cannot open the notify socket: %m");
		notifysocket_close(st);
		return -1;
	}
	/* The name's first byte is NUL; NOTIFY_SOCKET spells it '@'. */
	ns->address[0] = '@';
	memcpy(ns->address + 1, sa.sun_path + 1, len - offsetof(struct sockaddr_un, sun_path) - 1);
	ns->address[len - offsetof(struct sockaddr_un, sun_path)] = '\0';
	return 0;
}

const char *notifysocket_address(const struct notifysocket *ns)
{
	return ns != NULL && ns->sock >= 0 ? ns->address : NULL;
}

void notifysocket_close(struct pid1_state *st)
{
	struct notifysocket *ns = st->notify;

	if (ns == NULL)
		return;
	stop_sink(ns);
	forget_all(ns);
	if (ns->sock >= 0) {
		loop_remove(ns->loop, ns->sock);
		/*
		 * Closing it purges what is queued; where the kernel lets fds in, files in flight
		 * there would be released in pid1, last. Kept open when no process can take it.
		 */
		if (!ns->careful)
			close(ns->sock);
		else if (!fdsink_hand_over(ns->sock))
			log_warn("notify: socket kept open: no process could be started to let go "
				 "of what may be queued on it: %m");
	}
	munmap(ns, sizeof(*ns));
	st->notify = NULL;
}
