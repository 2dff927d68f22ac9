// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The pid1 authors
 *
 * pid1's log: levels, the line format, the targets (stderr, syslog, a file) and the sinks,
 * fds written without waiting: pid1 must keep reaping while whoever reads its logs is stuck,
 * so a line a target cannot take at once is dropped, counted, and told later. Nothing here
 * sets O_NONBLOCK on an inherited fd: the child shares that open file description.
 * It distrusts the log file's directory: whoever can write there could put a link to another
 * file under the log's name. So the directory is opened once and must be writable by pid1's
 * user alone; the file is opened relative to it, never through a symbolic link, and must be
 * pid1's own with a single link, at start and at each reopening after rotation.
 * The state is process-wide: every module logs, from before main's state exists to after
 * it is gone, and a process has one stderr and one /dev/log.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "core/jsonline.h"
#include "core/log.h"

#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008 /* <linux/fs.h>, which musl-gcc does not see */
#endif

/* One write(2) of at most PIPE_BUF bytes is atomic on a pipe: lines never interleave. */
#define LINE_BYTES PIPE_BUF

/* In the order of the LOG_TARGET_* bits: kind's bit is 1 << kind. */
enum sink_kind {
	SINK_STDERR,
	SINK_SYSLOG,
	SINK_FILE,
	SINK_COUNT,
};

static struct {
	int level;
	unsigned int targets;
	bool stderr_ready; /* fd 2 examined once, at the first line or log_open() */
	bool following;	   /* in follow_file(): its warning must not recurse */
	bool file_refused; /* the log file's name stands for a file refused, see follow_file() */
	struct sink sinks[SINK_COUNT];
	int dir_fd; /* the log file's directory, opened at start; -1 when closed */
	dev_t dev;  /* the log file's identity, to notice a rename (logrotate) */
	ino_t ino;
	const char *name; /* the last component of file.path */
	char ident[LOG_IDENT_MAX];
	int facility;
	int format; /* LOG_FORMAT_*, for stderr and the file */
	unsigned long dropped;
} lg = {
    .level = LOG_NOTICE,
    .targets = LOG_TARGET_STDERR,
    .sinks = {{.fd = -1}, {.fd = -1}, {.fd = -1}},
    .dir_fd = -1,
    .ident = "pid1",
    .facility = LOG_DAEMON,
};

/* Apart from lg, whose initializer puts it in the binary: this one is 8 KiB of zeros. */
static struct {
	char path[PATH_MAX];
	char why[PATH_MAX + 96]; /* why the last open failed or was refused */
} file;

static const char *const level_names[] = {
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

/* With stderr closed at start, a file landing on fd 2 would be taken for stderr by anyone. */
int sink_move_high(int fd)
{
	int high;

	if (fd < 0 || fd > STDERR_FILENO)
		return fd;
	high = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	close(fd);
	return high;
}

void sink_close(struct sink *s)
{
	unsigned long pending = s->pending;

	if (s->owned && s->fd >= 0)
		close(s->fd);
	*s = (struct sink){.fd = -1, .pending = pending};
}

/*
 * Decides once how an inherited fd (1 or 2) is written. Close-on-exec, it is one pid1 opened
 * since it was started with that fd closed: not ours. A pipe or terminal is reopened through
 * /proc, an open file description of our own that may be non-blocking; where pid1 may not
 * (a non-root pid1 given root's 0600 pipe), each write asks the kernel not to wait. A socket
 * takes MSG_DONTWAIT. A regular file never waits for a reader.
 */
void sink_inherited(struct sink *s, int which)
{
	char path[32];
	struct stat st;
	int flags, fd;

	flags = fcntl(which, F_GETFD);
	if (flags < 0 || (flags & FD_CLOEXEC) || fstat(which, &st) < 0)
		return;
	s->fd = which;
	s->sock = S_ISSOCK(st.st_mode);
	s->tty = isatty(which);
	s->fifo = S_ISFIFO(st.st_mode);
	if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", which);
	fd = sink_move_high(open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
	if (fd >= 0) {
		s->fd = fd;
		s->owned = true;
	} else {
		s->nowait = true;
	}
}

/*
 * Writes to the child's own open file description without waiting, which poll() cannot
 * promise: the child may fill the pipe between poll() and write(). With RWF_NOWAIT a pipe
 * answers EAGAIN; what cannot (EOPNOTSUPP: a named FIFO, a terminal) drops the line.
 */
static ssize_t write_nowait(int fd, const char *buf, size_t len)
{
	struct iovec iov = {.iov_base = (void *)(uintptr_t)buf, .iov_len = len};

#ifdef HAVE_PWRITEV2
	return pwritev2(fd, &iov, 1, -1, RWF_NOWAIT);
#else
	/* musl before 1.2.5 has no wrapper; offset -1 (both halves) means "no offset". */
	return syscall(SYS_pwritev2, fd, &iov, 1, -1L, -1L, RWF_NOWAIT);
#endif
}

ssize_t sink_write(const struct sink *s, const char *buf, size_t len)
{
	sigset_t ttou, saved;
	ssize_t n;

	/*
	 * With `stty tostop` a write from a background group raises SIGTTOU, which pid1 catches
	 * without stopping: the restarted write would raise it forever. Blocked, it goes through.
	 */
	if (s->tty) {
		sigemptyset(&ttou);
		sigaddset(&ttou, SIGTTOU);
		sigprocmask(SIG_BLOCK, &ttou, &saved);
	}
	do {
		/* MSG_NOSIGNAL: a reader gone away is a dropped line, not a SIGPIPE. */
		if (s->sock)
			n = send(s->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		else if (s->nowait)
			n = write_nowait(s->fd, buf, len);
		else
			n = write(s->fd, buf, len);
	} while (n < 0 && errno == EINTR);
	/* Only what was done is undone: a C library may leave signals out of saved (musl: 34). */
	if (s->tty && !sigismember(&saved, SIGTTOU))
		sigprocmask(SIG_UNBLOCK, &ttou, NULL);
	return n;
}

/*
 * One attempt to hand all of buf to a log target: 0 when it went. poll() first: it tells a
 * reader gone away, and on a stream socket keeps a line from going out in part.
 */
static int sink_put(const struct sink *s, const char *buf, size_t len)
{
	struct pollfd pfd = {.fd = s->fd, .events = POLLOUT};

	if (poll(&pfd, 1, 0) != 1) {
		errno = EAGAIN;
		return -1;
	}
	/* The reader is gone: for syslog, a reason to reconnect. Else POLLOUT is set. */
	if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) {
		errno = EPIPE;
		return -1;
	}
	return sink_write(s, buf, len) == (ssize_t)len ? 0 : -1;
}

/* Connects the syslog sink to /dev/log, creating the socket first. Returns 0 when connected. */
static int connect_syslog(struct sink *s)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	if (s->fd < 0) {
		s->fd = sink_move_high(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
		if (s->fd < 0)
			return -1;
		s->sock = true;
		s->owned = true;
	}
	strncpy(sun.sun_path, _PATH_LOG, sizeof(sun.sun_path) - 1);
	s->connected = connect(s->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	return s->connected ? 0 : -1;
}

/* Sets file.why from a format; returns -1 for the caller to return. */
static int LOG_PRINTF(1, 2) refuse(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(file.why, sizeof(file.why), fmt, ap);
	va_end(ap);
	return -1;
}

static int cannot_open(void)
{
	return refuse("cannot open log file %s: %s", file.path, strerror(errno));
}

/* Only pid1's user may create names in the directory: anyone else could plant links. */
static int check_dir(const char *dir, const struct stat *st)
{
	uid_t euid = geteuid();

	if (st->st_uid != euid && st->st_uid != 0)
		return refuse("log directory %s is owned by uid %u, neither root nor pid1's uid %u",
			      dir, (unsigned int)st->st_uid, (unsigned int)euid);
	/* Sticky or not: the sticky bit stops renames and removals, not new names. */
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return refuse("log directory %s is writable by group or others", dir);
	return 0;
}

/* The path's directory, following links this once: later renames or links do not move it. */
static int open_dir(void)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(file.path, '/');
	struct stat st;
	int fd;

	lg.name = slash != NULL ? slash + 1 : file.path;
	if (slash == NULL)
		strlcpy(dir, ".", sizeof(dir));
	else if (slash == file.path)
		strlcpy(dir, "/", sizeof(dir));
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - file.path), file.path);
	if (lg.name[0] == '\0' || strcmp(lg.name, ".") == 0 || strcmp(lg.name, "..") == 0) {
		errno = EISDIR;
		return cannot_open();
	}
	fd = sink_move_high(open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (fd < 0)
		return cannot_open();
	if ((fstat(fd, &st) < 0 ? cannot_open() : check_dir(dir, &st)) < 0) {
		close(fd);
		return -1;
	}
	lg.dir_fd = fd;
	return 0;
}

/* What may stand under the log's name: a FIFO may be a reader of pid1's log. */
static int check_type(const struct stat *st)
{
	if (S_ISLNK(st->st_mode))
		return refuse("log file %s is a symbolic link", file.path);
	if (!S_ISREG(st->st_mode) && !S_ISFIFO(st->st_mode))
		return refuse("log file %s is not a regular file or a FIFO", file.path);
	return 0;
}

/* Checks what fd, opened under the log's name, turned out to be. */
static int check_file(const struct stat *st)
{
	uid_t euid = geteuid();

	if (check_type(st) < 0)
		return -1;
	if (st->st_uid != euid)
		return refuse("log file %s is owned by uid %u, not by pid1's uid %u", file.path,
			      (unsigned int)st->st_uid, (unsigned int)euid);
	/* A second name for /etc/shadow, say, would have pid1 write there. */
	if (st->st_nlink != 1)
		return refuse("log file %s has %lu links, not one", file.path,
			      (unsigned long)st->st_nlink);
	return 0;
}

/* Opens the file under the directory. On failure the old fd, if any, stays in use. */
static int open_file(void)
{
	struct sink *s = &lg.sinks[SINK_FILE];
	struct stat st;
	int fd;

	/* A device is not even opened; O_NOFOLLOW and fstat() below close the race. */
	if (fstatat(lg.dir_fd, lg.name, &st, AT_SYMLINK_NOFOLLOW) == 0 && check_type(&st) < 0)
		return -1;
	/* O_NONBLOCK is ours to set here: a FIFO named as the log file must not block us. */
	fd = openat(lg.dir_fd, lg.name,
		    O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
		    0640);
	if (fd < 0 && errno == ELOOP)
		return refuse("log file %s is a symbolic link", file.path);
	fd = sink_move_high(fd);
	if (fd < 0)
		return cannot_open();
	/* fstat, not a stat by name: what was opened is what counts. */
	if ((fstat(fd, &st) < 0 ? cannot_open() : check_file(&st)) < 0) {
		close(fd);
		return -1;
	}
	sink_close(s);
	s->fd = fd;
	s->owned = true;
	lg.dev = st.st_dev;
	lg.ino = st.st_ino;
	return 0;
}

/*
 * Moves the file target to a new file when rotation renamed the old one away. A name refused
 * (a link planted there, say) is said once; lines keep going to the file opened before.
 */
static void follow_file(void)
{
	struct stat st;

	if (lg.following || lg.sinks[SINK_FILE].fd < 0)
		return;
	lg.following = true;
	/* Not following a link even to compare: the name itself must be the file. */
	if ((fstatat(lg.dir_fd, lg.name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == lg.dev &&
	     st.st_ino == lg.ino) ||
	    open_file() == 0) {
		lg.file_refused = false;
	} else if (!lg.file_refused) {
		lg.file_refused = true;
		log_warn("%s; still writing to the file opened before", file.why);
	}
	lg.following = false;
}

/* Our own datagrams, as syslog() blocks on a full /dev/log; a restarted syslogd is found. */
static int put_syslog(const char *buf, size_t len)
{
	struct sink *s = &lg.sinks[SINK_SYSLOG];

	if (!s->connected && connect_syslog(s) < 0)
		return -1;
	if (sink_put(s, buf, len) == 0)
		return 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
		return -1;
	/* A fresh socket: the old one may keep the dead peer's error. */
	sink_close(s);
	return connect_syslog(s) == 0 ? sink_put(s, buf, len) : -1;
}

/*
 * A JSON line in the shape of the programs' (output = json), so that one parser reads both:
 * msg as "line", escaped, cut to fit LINE_BYTES with "cut":true.
 */
static size_t format_json(char *buf, const struct timespec *ts, int level, const char *msg)
{
	size_t n, len = strlen(msg), used;
	static const char cut[] = "\",\"cut\":true}\n";

	n = (size_t)snprintf(buf, LINE_BYTES,
			     "{\"time\":\"%*s\",\"program\":\"pid1\",\"level\":\"%s\",\"line\":\"",
			     JSONLINE_TIME_LEN, "", level_names[level]);
	jsonline_time(buf + 9, ts);
	n += jsonline_string(buf + n, LINE_BYTES - n - strlen(cut), msg, len, false, &used);
	if (used < len) {
		memcpy(buf + n, cut, strlen(cut));
		return n + strlen(cut);
	}
	memcpy(buf + n, "\"}\n", 3);
	return n + 3;
}

/* Formats one line for kind into buf (LINE_BYTES + 1 bytes). Returns its length. */
static size_t format_line(char *buf, enum sink_kind kind, int level, const char *msg)
{
	const size_t size = LINE_BYTES + 1;
	struct timespec ts;
	struct tm tm;
	size_t n;
	int r;

	if (kind != SINK_SYSLOG && lg.format == LOG_FORMAT_JSON) {
		clock_gettime(CLOCK_REALTIME, &ts);
		return format_json(buf, &ts, level, msg);
	}
	if (kind == SINK_SYSLOG) {
		/* No timestamp: syslogd stamps it (RFC 3164), and pid1 needs no time zones. */
		r = snprintf(buf, size, "<%d>%s[%d]: %s", (lg.facility & LOG_FACMASK) | level,
			     lg.ident, (int)getpid(), msg);
	} else {
		/* The wall clock, for a timestamp; durations elsewhere use CLOCK_MONOTONIC. */
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		r = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ pid1[%d]: %s: %s\n",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			     tm.tm_sec, (int)(ts.tv_nsec / 1000000), (int)getpid(),
			     level_names[level], msg);
	}
	if (r < 0)
		return 0;
	if ((size_t)r < size)
		return (size_t)r;
	/* Too long: cut, mark the cut, and keep the newline that ends a line. */
	n = LINE_BYTES;
	if (kind != SINK_SYSLOG)
		buf[--n] = '\n';
	memcpy(buf + n - 3, "...", 3);
	return LINE_BYTES;
}

static int send_line(enum sink_kind kind, int level, const char *msg)
{
	char buf[LINE_BYTES + 1];
	size_t len = format_line(buf, kind, level, msg);

	return kind == SINK_SYSLOG ? put_syslog(buf, len) : sink_put(&lg.sinks[kind], buf, len);
}

/* Tells a target how many lines it dropped, before the next line it takes. */
static int send_note(enum sink_kind kind)
{
	struct sink *s = &lg.sinks[kind];
	char note[64];

	if (s->pending == 0)
		return 0;
	snprintf(note, sizeof(note), "%lu log lines dropped", s->pending);
	if (send_line(kind, LOG_WARNING, note) < 0)
		return -1;
	s->pending = 0;
	return 0;
}

/* Hands msg to one target, or counts it as dropped there. */
static void deliver(enum sink_kind kind, int level, const char *msg)
{
	struct sink *s = &lg.sinks[kind];

	/* A closed stderr is no target at all; syslog connects on demand. */
	if (s->fd < 0 && kind != SINK_SYSLOG)
		return;
	if (send_note(kind) == 0 && send_line(kind, level, msg) == 0)
		return;
	s->pending++;
	lg.dropped++;
}

static void setup_stderr(void)
{
	if (!lg.stderr_ready)
		sink_inherited(&lg.sinks[SINK_STDERR], STDERR_FILENO);
	lg.stderr_ready = true;
}

/* Formats one line and hands it to targets; errno is left as it was. */
static void __attribute__((format(printf, 3, 0)))
put(int level, unsigned int targets, const char *fmt, va_list ap)
{
	int saved = errno;
	enum sink_kind kind;
	char msg[LINE_BYTES];
	char *p;

	setup_stderr();
	errno = saved; /* for %m */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* One event, one line, whatever the message holds. */
	for (p = msg; (p = strpbrk(p, "\r\n")) != NULL; p++)
		*p = ' ';
	if (targets & LOG_TARGET_FILE)
		follow_file();
	for (kind = 0; kind < SINK_COUNT; kind++)
		if (targets & (1u << kind))
			deliver(kind, level, msg);
	errno = saved;
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > lg.level)
		return;
	va_start(ap, fmt);
	put(level, lg.targets, fmt, ap);
	va_end(ap);
}

void log_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	put(LOG_ERR, lg.targets | LOG_TARGET_STDERR, fmt, ap);
	va_end(ap);
}

static int clamp_level(int level)
{
	return level < LOG_ERR ? LOG_ERR : level > LOG_DEBUG ? LOG_DEBUG : level;
}

int log_open(const struct log_conf *conf)
{
	log_close();
	lg.level = clamp_level(conf->level);
	lg.targets = conf->targets != 0 ? conf->targets : LOG_TARGET_STDERR;
	/* As in syslog(3): kern cannot come from a user process, it becomes user. */
	lg.facility = conf->facility != 0 ? conf->facility : LOG_USER;
	lg.format = conf->format;
	if (conf->ident[0] != '\0')
		strlcpy(lg.ident, conf->ident, sizeof(lg.ident));
	setup_stderr();
	if (lg.targets & LOG_TARGET_FILE) {
		/* A cut path could name another file: refused, with what fits of it. */
		if (strlcpy(file.path, conf->file != NULL ? conf->file : "", sizeof(file.path)) >=
		    sizeof(file.path)) {
			refuse("cannot open log file %s: %s", file.path, strerror(ENAMETOOLONG));
		} else if (open_dir() == 0 && open_file() < 0) {
			close(lg.dir_fd);
			lg.dir_fd = -1;
		}
		if (lg.sinks[SINK_FILE].fd < 0) {
			lg.targets &= ~LOG_TARGET_FILE;
			log_fail("%s", file.why);
			return -1;
		}
	}
	/* No syslog daemon yet is not fatal: lines are dropped until one listens. */
	if ((lg.targets & LOG_TARGET_SYSLOG) && connect_syslog(&lg.sinks[SINK_SYSLOG]) < 0)
		log_warn("cannot connect to %s: %m; syslog lines are dropped until it listens",
			 _PATH_LOG);
	return 0;
}

void log_close(void)
{
	int saved = errno;
	enum sink_kind kind;
	struct sink *s;

	for (kind = 0; kind < SINK_COUNT; kind++) {
		s = &lg.sinks[kind];
		/* A last word about lost lines, where there is still a way to say it. */
		if ((lg.targets & (1u << kind)) && (s->fd >= 0 || kind == SINK_SYSLOG))
			send_note(kind);
		/* What could not be told stays pending for the next log_open(). */
		sink_close(s);
	}
	if (lg.dir_fd >= 0)
		close(lg.dir_fd);
	lg.dir_fd = -1;
	lg.file_refused = false;
	lg.stderr_ready = false;
	lg.targets = LOG_TARGET_STDERR;
	errno = saved;
}

void log_set_level(int level)
{
	lg.level = clamp_level(level);
}

int log_get_level(void)
{
	return lg.level;
}

unsigned long log_dropped(void)
{
	return lg.dropped;
}

int log_level_parse(const char *name)
{
	int level;

	for (level = LOG_ERR; level <= LOG_DEBUG; level++)
		if (strcmp(name, level_names[level]) == 0)
			return level;
	return -1;
}
