// SPDX-License-Identifier: MIT
/*
 * `pid1 ctl [-s SOCKET] [-t SECONDS] [--json] COMMAND [ARG...]` (control/control.h), options
 * anywhere before a `--`. One request, one reply read to its end within the timeout; start,
 * stop and restart ask pid1 to answer within it, ready or not; status is printed as a table
 * or as JSON.
 * Distrusted: the directory of the socket, held to pid1's own rules (sys/rundir.h) before any
 * request is sent; on the abstract socket, a listener that is not PID 1 of this PID
 * namespace; and every byte of the reply, escaped before it reaches the terminal.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vis.h>

#include "control/control.h"
#include "core/duration.h"
#include "core/loop.h"
#include "sys/rundir.h"

/* Words of a request: each takes two bytes of it at least, its space included. */
#define MAX_WORDS (CTL_REQUEST_MAX / 2)

struct client_opts {
	char path[PATH_MAX];
	int64_t timeout_ms;
	bool json;
	bool dry_run;		    /* reload --dry-run */
	char *words[MAX_WORDS + 1]; /* the command and its arguments, options taken out */
	int nwords;
};

static void usage(FILE *out)
{
	fputs("usage: pid1 ctl [-s SOCKET] [-t SECONDS] [--json] COMMAND [ARG...]\n"
	      "commands: status, ready, start NAME, stop NAME, restart NAME,\n"
	      "          signal NAME SIGNAL, shutdown, log-level LEVEL, version,\n"
	      "          health [NAME] (0: ready and passing its health check)\n"
	      "          reload [--dry-run]\n"
	      "options go before or after the command; -- ends them\n"
	      "exit: 0 done, 1 error, 2 usage, 3 a program not ready (or not stopped) within -t\n"
	      "socket: -s, else $PID1_RUNTIME_DIR/control, else " RUNDIR_DEFAULT "/control (root)\n"
	      "        or /tmp/pid1-UID/control (any other user); without -s, when none\n"
	      "        answers there, PID 1's abstract socket @" CTL_ABSTRACT_STEM "-N\n",
	      out);
}

bool ctlclient_wanted(int argc, char **argv)
{
	const char *base;

	if (argc < 1 || argv[0] == NULL)
		return false;
	base = strrchr(argv[0], '/');
	base = base != NULL ? base + 1 : argv[0];
	return strcmp(base, "pid1ctl") == 0 || (argc >= 2 && strcmp(argv[1], "ctl") == 0);
}

/* A stream socket whose connect waits no longer than the timeout while a backlog is full. */
static int stream(int64_t timeout_ms)
{
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/*
 * Connects to path (absolute) through its directory, held to the rules pid1 keeps for its
 * own: whoever owns or may write to it could listen there and answer in pid1's name. Returns
 * the fd, or -1 with why (len bytes) saying what went wrong.
 */
static int connect_to(const char *path, int64_t timeout_ms, char *why, size_t len)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct rundir rd;
	int fd = -1, rc = -1, err = ENOENT;

	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	if (rundir_find(&rd, dir) == 0) {
		fd = stream(timeout_ms);
		if (fd >= 0)
			rc = rundir_connect(&rd, fd, slash + 1);
		err = errno;
		rundir_close(&rd);
	} else if (errno != ENOENT) {
		snprintf(why, len, "not connecting to %s: %s", path, rd.error);
		return -1;
	}
	if (rc == 0)
		return fd;
	if (err == ENOENT || err == ECONNREFUSED)
		snprintf(why, len, "no pid1 is listening on %s (%s)", path, strerror(err));
	else
		snprintf(why, len, "cannot connect to %s: %s", path, strerror(err));
	if (fd >= 0)
		close(fd);
	return -1;
}

/*
 * Connects to the abstract socket of pid1 as PID 1 of this PID namespace (sys/rundir.h). Any
 * process sharing the network namespace may have bound the name first: only a listener that
 * is PID 1 here, as the kernel tells (SO_PEERCRED), is trusted with a request. Returns the fd,
 * or -1 with *absent when none listens, else why set.
 */
static int connect_abstract(int64_t timeout_ms, char *why, size_t len, bool *absent)
{
	struct ucred cred = {.pid = 0};
	socklen_t clen = sizeof(cred);
	char name[RUNDIR_ABSTRACT_MAX];
	int fd;

	*absent = true;
	if (rundir_abstract_name(CTL_ABSTRACT_STEM, name, sizeof(name)) < 0 ||
	    (fd = stream(timeout_ms)) < 0)
		return -1;
	if (rundir_abstract_connect(fd, name) < 0) {
		*absent = errno == ECONNREFUSED || errno == ENOENT;
		snprintf(why, len, "cannot connect to @%s: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 || cred.pid != 1) {
		*absent = false;
		if (cred.pid > 0)
			snprintf(why, len,
				 "not talking to @%s: its listener is pid %d, not PID 1 of this "
				 "namespace",
				 name, (int)cred.pid);
		else
			snprintf(why, len,
				 "not talking to @%s: its listener is outside this PID namespace",
				 name);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The socket -s named; else the default one, else PID 1's abstract socket, which needs no
 * directory (a read-only root) and answers whichever user's default place pid1 has. Returns
 * the fd with where naming what it reached, or -1 after saying why.
 */
static int reach(const struct client_opts *o, char *where, size_t wlen)
{
	char dir[PATH_MAX], dflt[PATH_MAX + sizeof(CTL_SOCKET_NAME) + 1], why[PATH_MAX * 2 + 160];
	char also[RUNDIR_ABSTRACT_MAX + 128];
	bool absent = true;
	int fd = connect_to(o->path, o->timeout_ms, why, sizeof(why));

	strlcpy(where, o->path, wlen);
	if (fd >= 0)
		return fd;
	/* A socket named on purpose is the only one asked: another would answer for it. */
	if ((size_t)snprintf(dflt, sizeof(dflt), "%s/%s", rundir_default(dir, sizeof(dir)),
			     CTL_SOCKET_NAME) < sizeof(dflt) &&
	    strcmp(o->path, dflt) == 0) {
		fd = connect_abstract(o->timeout_ms, also, sizeof(also), &absent);
		if (fd >= 0) {
			where[0] = '@';
			rundir_abstract_name(CTL_ABSTRACT_STEM, where + 1, wlen - 1);
			return fd;
		}
	}
	fprintf(stderr, "pid1 ctl: %s\n", why);
	if (!absent)
		fprintf(stderr, "pid1 ctl: %s\n", also);
	return -1;
}

/* Reads the whole reply into buf (NUL-terminated) by the deadline. Returns its length or -1. */
static ssize_t read_reply(int fd, char *buf, size_t cap, int64_t deadline)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	size_t have = 0;
	ssize_t n;
	int64_t left;

	while (have + 1 < cap) {
		left = deadline - loop_now_ms();
		if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = recv(fd, buf + have, cap - 1 - have, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		/* A reset after the reply: pid1 dropped what we sent beyond it. */
		if (n == 0 || (n < 0 && errno == ECONNRESET && have > 0))
			break;
		if (n < 0)
			return -1;
		have += (size_t)n;
	}
	buf[have] = '\0';
	return (ssize_t)have;
}

int ctlproto_split(char *line, char *fields[CTL_NFIELDS])
{
	size_t n = 0;
	char *tab;

	for (n = 0; n < CTL_NFIELDS; n++) {
		fields[n] = line;
		tab = strchr(line, '\t');
		if (tab == NULL)
			break;
		*tab = '\0';
		line = tab + 1;
	}
	if (n == CTL_HEALTH - 1) {
		fields[CTL_HEALTH] = "-";
		return 0;
	}
	return n == CTL_NFIELDS - 1 ? 0 : -1;
}

/* 3d4h, 2h5m, 5m3s, 42s. */
static const char *uptime(const char *ms_text, char *buf, size_t len)
{
	long long s;

	if (strcmp(ms_text, "-") == 0)
		return "-";
	s = atoll(ms_text) / 1000;
	if (s >= 86400)
		snprintf(buf, len, "%lldd%lldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, len, "%lldh%lldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, len, "%lldm%llds", s / 60, s % 60);
	else
		snprintf(buf, len, "%llds", s);
	return buf;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

/*
 * The names in a waiting program's detail after CTL_WAITS_FOR ("db, migrate", maybe cut with
 * " (+N more)"), as a JSON array.
 */
static void json_names(const char *s)
{
	char name[CTL_DETAIL_MAX];
	size_t len;
	bool first = true;

	putchar('[');
	while ((len = strcspn(s, ", ")) > 0) {
		snprintf(name, sizeof(name), "%.*s", (int)len, s);
		printf("%s", first ? "" : ", ");
		json_string(name);
		first = false;
		s += len;
		if (strncmp(s, ", ", 2) != 0)
			break;
		s += 2;
	}
	putchar(']');
}

static void json_row(char **f, bool first)
{
	bool waits = strcmp(f[CTL_STATE], "waiting") == 0 &&
		     strncmp(f[CTL_LAST_EXIT], CTL_WAITS_FOR, strlen(CTL_WAITS_FOR)) == 0;

	printf("%s\n    {\"name\": ", first ? "" : ",");
	json_string(f[CTL_NAME]);
	printf(", \"state\": ");
	json_string(f[CTL_STATE]);
	printf(", \"pid\": %s, \"uptime_ms\": %s, \"restarts\": %s, \"ready\": %s, "
	       "\"last_exit\": ",
	       strcmp(f[CTL_PID], "-") == 0 ? "null" : f[CTL_PID],
	       strcmp(f[CTL_UPTIME_MS], "-") == 0 ? "null" : f[CTL_UPTIME_MS], f[CTL_RESTARTS],
	       strcmp(f[CTL_READY], "yes") == 0 ? "true" : "false");
	/* A waiting program has no last end: its detail says what it waits for. */
	if (strcmp(f[CTL_LAST_EXIT], "-") == 0 || waits)
		printf("null");
	else
		json_string(f[CTL_LAST_EXIT]);
	printf(", \"waits_for\": ");
	json_names(waits ? f[CTL_LAST_EXIT] + strlen(CTL_WAITS_FOR) : "");
	printf(", \"health\": ");
	if (strcmp(f[CTL_HEALTH], "-") == 0)
		printf("null");
	else
		json_string(f[CTL_HEALTH]);
	printf("}");
}

/* Whether some status line has a health field: the table then has its column. */
static bool any_health(const char *lines)
{
	const char *line;

	for (line = lines; line != NULL; line = strchr(line + 1, '\n')) {
		const char *end = strchr(line + 1, '\n'), *tab = line;
		int n = 0;

		while ((tab = strchr(tab + 1, '\t')) != NULL && (end == NULL || tab < end))
			if (++n == CTL_HEALTH && tab[1] != '-')
				return true;
	}
	return false;
}

/* One line of the table: the health column only when some program has a check. */
static void table_row(char **f, bool health)
{
	char up[32];
	const char *colon = strchr(f[CTL_HEALTH], ':');
	int word = colon != NULL ? (int)(colon - f[CTL_HEALTH]) : (int)strlen(f[CTL_HEALTH]);

	printf("%-16s %-9s %7s %8s %8s %-5s ", f[CTL_NAME], f[CTL_STATE], f[CTL_PID],
	       uptime(f[CTL_UPTIME_MS], up, sizeof(up)), f[CTL_RESTARTS], f[CTL_READY]);
	if (health)
		printf("%-9.*s ", word, f[CTL_HEALTH]);
	printf("%s", f[CTL_LAST_EXIT]);
	/* The last check's result goes last: its words would shift the columns. */
	if (health && colon != NULL)
		printf(" (check:%s)", colon + 1);
	putchar('\n');
}

/* The status lines after the first, as a table or JSON. */
static int print_status(char *lines, bool json)
{
	char *f[CTL_NFIELDS], *line, *save = NULL;
	bool first = true, health = any_health(lines);

	if (json)
		printf("{\"programs\": [");
	else if (health)
		printf("%-16s %-9s %7s %8s %8s %-5s %-9s %s\n", "PROGRAM", "STATE", "PID", "UPTIME",
		       "RESTARTS", "READY", "HEALTH", "LAST EXIT");
	else
		printf("%-16s %-9s %7s %8s %8s %-5s %s\n", "PROGRAM", "STATE", "PID", "UPTIME",
		       "RESTARTS", "READY", "LAST EXIT");
	for (line = strtok_r(lines, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (ctlproto_split(line, f) < 0) {
			fprintf(stderr, "pid1 ctl: malformed status line from pid1\n");
			return 1;
		}
		if (json)
			json_row(f, first);
		else
			table_row(f, health);
		first = false;
	}
	if (json)
		printf("%s]}\n", first ? "" : "\n");
	return fflush(stdout) == 0 ? 0 : 1;
}

/* Takes one option (getopt's c) into o. Returns 0, or -1 after saying why it is refused. */
static int take_option(int c, char **argv, struct client_opts *o)
{
	char dir[PATH_MAX], *end;
	double secs;

	switch (c) {
	case 's':
		/* Absolute, so that every directory on the way is checked from /. */
		dir[0] = '\0';
		if (optarg[0] != '/' && getcwd(dir, sizeof(dir) - 1) != NULL)
			strlcat(dir, "/", sizeof(dir));
		if ((size_t)snprintf(o->path, sizeof(o->path), "%s%s", dir, optarg) >=
		    sizeof(o->path))
			o->path[0] = '\0';
		return 0;
	case 't':
		secs = strtod(optarg, &end);
		if (*end != '\0' || !(secs >= 0.001 && secs <= CTL_WAIT_MAX_MS / 1000.0)) {
			fprintf(stderr, "pid1 ctl: bad timeout '%s' (seconds, up to %d)\n", optarg,
				CTL_WAIT_MAX_MS / 1000);
			return -1;
		}
		o->timeout_ms = (int64_t)(secs * 1000);
		return 0;
	case 'j':
		o->json = true;
		return 0;
	case 'n':
		o->dry_run = true;
		return 0;
	case ':':
		fprintf(stderr, "pid1 ctl: option -%c (--%s) needs an argument\n", optopt,
			optopt == 's' ? "socket" : "timeout");
		return -1;
	default:
		/*
		 * optopt: a short option unknown, or a known one given to a long option that takes
		 * no argument (--json=x); 0: a long option unknown. getopt has passed over a long
		 * option's word, not over a short one's within its word.
		 */
		if (optopt != 0 && strchr("stjh", optopt) != NULL)
			fprintf(stderr, "pid1 ctl: option '%s' takes no argument\n",
				argv[optind - 1]);
		else if (optopt != 0)
			fprintf(stderr, "pid1 ctl: unknown option '-%c'\n", optopt);
		else
			fprintf(stderr, "pid1 ctl: unknown option '%s'\n", argv[optind - 1]);
		return -1;
	}
}

/*
 * Options anywhere, as users type them (`pid1 ctl status --json`), whatever POSIXLY_CORRECT
 * says: getopt stops at each word, which is kept, and goes on after it; after `--` every word
 * is kept. Returns 0, 1 for -h, or -1 on a usage error, said.
 */
static int parse_args(int argc, char **argv, struct client_opts *o)
{
	static const struct option longopts[] = {
	    {"socket", required_argument, NULL, 's'}, {"timeout", required_argument, NULL, 't'},
	    {"json", no_argument, NULL, 'j'},	      {"dry-run", no_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0},
	};
	char dir[PATH_MAX];
	bool rest = false;
	int c, at;

	o->timeout_ms = CTL_WAIT_DEFAULT_MS;
	/* A path cut to fit could name another socket: too long is an error, said below. */
	if ((size_t)snprintf(o->path, sizeof(o->path), "%s/%s", rundir_default(dir, sizeof(dir)),
			     CTL_SOCKET_NAME) >= sizeof(o->path))
		o->path[0] = '\0';
	optind = 1;
	opterr = 0;
	while (optind < argc) {
		at = optind;
		c = rest ? -1 : getopt_long(argc, argv, "+:s:t:jh", longopts, NULL);
		if (c == 'h')
			return 1;
		if (c != -1) {
			if (take_option(c, argv, o) < 0)
				return -1;
			continue;
		}
		/* getopt passed over a `--` at the word it started from: words only from here. */
		if (!rest && optind == at + 1 && strcmp(argv[at], "--") == 0) {
			rest = true;
			continue;
		}
		if (optind >= argc)
			break;
		if (o->nwords == MAX_WORDS) {
			fprintf(stderr, "pid1 ctl: too many arguments\n");
			return -1;
		}
		o->words[o->nwords++] = argv[optind++];
	}
	if (o->path[0] == '\0') {
		fprintf(stderr, "pid1 ctl: the control socket's path is too long\n");
		return -1;
	}
	if (o->dry_run && (o->nwords != 1 || strcmp(o->words[0], "reload") != 0)) {
		fprintf(stderr, "pid1 ctl: --dry-run is for reload alone\n");
		return -1;
	}
	return o->nwords > 0 ? 0 : -1;
}

/* The request line from the words; -1 when it would not fit or breaks the protocol. */
static int build_request(char **words, int n, char *buf, size_t cap)
{
	size_t len = (size_t)snprintf(buf, cap, "%s", CTL_PROTOCOL);
	int i;

	for (i = 0; i < n; i++) {
		if (words[i][0] == '\0' || strpbrk(words[i], " \t\r\n") != NULL)
			return -1;
		len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, " %s", words[i]);
	}
	if (len + 1 >= cap)
		return -1;
	buf[len++] = '\n';
	buf[len] = '\0';
	return (int)len;
}

/*
 * Sends the request and reads the reply into reply, allowing slack_ms beyond the timeout.
 * Returns the reply's length or -1.
 */
static ssize_t talk(const struct client_opts *o, const char *req, size_t len, char *reply,
		    size_t cap, int64_t slack_ms)
{
	int64_t deadline = loop_now_ms() + o->timeout_ms + slack_ms;
	char where[PATH_MAX];
	int fd = reach(o, where, sizeof(where));
	ssize_t n = -1;

	if (fd < 0)
		return -1;
	/* A refusal may come, and the socket close, before the request is sent: read it. */
	if ((send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len && errno != EPIPE &&
	     errno != ECONNRESET) ||
	    (n = read_reply(fd, reply, cap, deadline)) <= 0) {
		fprintf(stderr, "pid1 ctl: %s: %s\n", where,
			n == 0		     ? "pid1 hung up without a reply"
			: errno == ETIMEDOUT ? "no reply in time"
					     : strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return n;
}

/*
 * Inside the container (docker exec) the client is in the ladder's scope: the shutdown it
 * asks for would kill it before it reads the answer. Blocked, those signals die with it.
 */
static void hold_ladder_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

int ctlclient_main(int argc, char **argv)
{
	/* Room for every byte of a reply escaped, at most four bytes each. */
	static char raw[CTL_REPLY_MAX + 1], reply[CTL_REPLY_MAX * 4 + 1];
	char req[CTL_REQUEST_MAX + 1], *body;
	struct client_opts o = {.json = false, .nwords = 0};
	char waited[32], dry_run[] = "dry-run";
	int64_t slack_ms = 0;
	ssize_t n;
	int len, rc;

	if (argc >= 2 && strcmp(argv[1], "ctl") == 0) {
		argc--;
		argv++;
	}
	rc = parse_args(argc, argv, &o);
	if (rc != 0) {
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 2;
	}
	/*
	 * A program waited for is answered for within the timeout, ready or not: pid1 is told
	 * the timeout, and given the protocol's own time on top to send what it found.
	 */
	if (o.nwords == 2 && (strcmp(o.words[0], "start") == 0 || strcmp(o.words[0], "stop") == 0 ||
			      strcmp(o.words[0], "restart") == 0)) {
		duration_format(o.timeout_ms, waited, sizeof(waited));
		o.words[o.nwords++] = waited;
		slack_ms = CONTROL_TIMEOUT_MS;
	}
	if (o.dry_run)
		o.words[o.nwords++] = dry_run;
	len = build_request(o.words, o.nwords, req, sizeof(req));
	if (len < 0) {
		fprintf(stderr, "pid1 ctl: request too long or with blanks in a word\n");
		return 2;
	}
	if (strcmp(o.words[0], "shutdown") == 0)
		hold_ladder_signals();
	n = talk(&o, req, (size_t)len, raw, sizeof(raw), slack_ms);
	if (n < 0)
		return 1;
	/*
	 * Whatever answers may send any bytes: only printable text reaches the terminal. Tabs
	 * and newlines are the protocol's own and are kept; the rest is escaped.
	 */
	strvisx(reply, raw, (size_t)n, VIS_OCTAL | VIS_CSTYLE | VIS_NOLOCALE);
	body = strchr(reply, '\n');
	if (body != NULL)
		*body++ = '\0';
	if (strncmp(reply, "ok", 2) == 0 && (reply[2] == '\0' || reply[2] == ' ')) {
		if (strcmp(o.words[0], "status") == 0 && body != NULL)
			return print_status(body, o.json);
		if (reply[2] == ' ')
			puts(reply + 3);
		/* A reload says what it changed, a line for each kind. */
		if (strcmp(o.words[0], "reload") == 0 && body != NULL)
			fputs(body, stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	/* Done, but the program is not there yet: told apart from a failure by its code. */
	if (strncmp(reply, "pending ", 8) == 0) {
		puts(reply + 8);
		return fflush(stdout) == 0 ? 3 : 1;
	}
	fprintf(stderr, "pid1 ctl: %s\n",
		strncmp(reply, "error ", 6) == 0 ? reply + 6 : "malformed reply from pid1");
	return 1;
}
