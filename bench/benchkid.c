// SPDX-License-Identifier: MIT
/*
 * benchkid: the measuring side of bench/run. It runs as the child of the init under test (or
 * as PID 1 itself when no init is used) and times what the init does for it:
 *
 *   benchkid rtt N [CPU]    N round trips of SIGUSR1: kill(1) -> init -> back to us; prints
 *                           "median_us p99_us"; pins itself to CPU when given
 *   benchkid reap N         releases N orphans at once, prints the ms until all are reaped
 *                           and the ms of CPU PID 1 used meanwhile
 *   benchkid sink           blocks SIGUSR1 (so forwarded copies cost nothing) and waits
 *   benchkid spawn N CMD... runs CMD N times from here, prints "median_us p90_us"
 *   benchkid flood PID N [SIG]  sends N signals (default SIGUSR1) to PID as fast as it can
 *   benchkid upall R N CMD...  runs CMD R times; each time waits for N bytes on the pipe whose
 *                           write end is fd 3 in CMD (each program's "benchkid ready"), then
 *                           closes the pipe on fd 4 (read by "benchkid gate", the essential
 *                           program, which then exits) and waits for CMD to end; prints the
 *                           medians "up_us down_us"
 *   benchkid ready          writes a byte to fd 3, then waits for a signal to end it
 *   benchkid gate           writes a byte to fd 3, then exits once fd 4 reads end-of-file
 *   benchkid count FILE     takes SIGUSR1 with sigwaitinfo and counts it; on SIGTERM writes
 *                           the count to FILE and exits
 *   benchkid spew N [W]     writes N bytes of 100-byte lines to stdout, W bytes per write
 *                           (default 65,500: whole lines; 4,000 is what stdio does on a pipe)
 *   benchkid drain N        reads N bytes from stdin, prints MB/s from the first byte on
 *
 * Built by bench/run with cc; it is not part of pid1 and not built by make.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Sorts v and returns its q-quantile (0..1), nearest rank. */
static int64_t quantile(int64_t *v, size_t n, double q)
{
	size_t i;

	qsort(v, n, sizeof(*v), cmp_i64);
	i = (size_t)(q * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

static long parse_count(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || n <= 0) {
		fprintf(stderr, "benchkid: bad count '%s'\n", s);
		exit(2);
	}
	return n;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		fprintf(stderr, "benchkid: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
}

/*
 * Round trips: SIGUSR1 is blocked and collected with sigwaitinfo, so the only work in the
 * loop is the init's. Without an init we are PID 1 and kill(1) reaches ourselves: the floor.
 */
static int rtt(long n, int cpu)
{
	const long warmup = 200;
	int64_t *v, t0;
	sigset_t set;
	long i;

	if (cpu >= 0)
		pin(cpu);
	v = calloc((size_t)n, sizeof(*v));
	if (v == NULL)
		return 1;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (i = -warmup; i < n; i++) {
		t0 = now_ns();
		if (kill(1, SIGUSR1) < 0) {
			perror("benchkid: kill");
			return 1;
		}
		while (sigwaitinfo(&set, NULL) < 0)
			if (errno != EINTR)
				return 1;
		if (i >= 0)
			v[i] = now_ns() - t0;
	}
	printf("%.1f %.1f\n", quantile(v, (size_t)n, 0.5) / 1e3,
	       quantile(v, (size_t)n, 0.99) / 1e3);
	return 0;
}

/* Processes visible in our /proc (the PID namespace), zombies included until reaped. */
static long count_procs(void)
{
	struct dirent *d;
	long n = 0;
	DIR *dir;

	dir = opendir("/proc");
	if (dir == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL)
		if (d->d_name[0] >= '1' && d->d_name[0] <= '9')
			n++;
	closedir(dir);
	return n;
}

/* Time PID 1 has spent on a CPU so far, in ns (the first field of schedstat); -1 if unknown. */
static int64_t init_cpu_ns(void)
{
	long long ns = -1;
	FILE *f;

	f = fopen("/proc/1/schedstat", "re");
	if (f == NULL)
		return -1;
	if (fscanf(f, "%lld", &ns) != 1)
		ns = -1;
	fclose(f);
	return ns;
}

static pid_t fork_retry(void)
{
	const struct timespec pause_ts = {0, 10 * 1000 * 1000};
	pid_t pid;
	int tries;

	for (tries = 0; tries < 500; tries++) {
		pid = fork();
		if (pid >= 0 || errno != EAGAIN)
			return pid;
		nanosleep(&pause_ts, NULL);
	}
	return -1;
}

/*
 * N orphans wait on a pipe; the intermediate that forked them exits, so they belong to PID 1.
 * Closing the last write end releases them all at once; the clock starts there and stops
 * when /proc shows nothing but the init and us.
 */
static int reap(long n)
{
	const struct timespec tick = {0, 1000 * 1000};
	int barrier[2], st;
	long i, base;
	int64_t t0, c0;
	pid_t mid;
	char c;

	if (pipe2(barrier, O_CLOEXEC) < 0)
		return 1;
	mid = fork_retry();
	if (mid < 0)
		return 1;
	if (mid == 0) {
		close(barrier[1]);
		for (i = 0; i < n; i++) {
			pid_t p = fork_retry();

			if (p < 0) {
				perror("benchkid: fork");
				_exit(1);
			}
			if (p == 0) {
				while (read(barrier[0], &c, 1) < 0 && errno == EINTR)
					;
				_exit(0);
			}
		}
		_exit(0);
	}
	close(barrier[0]);
	if (waitpid(mid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return 1;
	/* Without an init we are PID 1: the orphans are ours, and we reap them ourselves. */
	base = getpid() == 1 ? 1 : 2;
	c0 = init_cpu_ns();
	t0 = now_ns();
	close(barrier[1]);
	if (getpid() == 1) {
		for (i = 0; i < n; i++)
			if (wait(NULL) < 0)
				return 1;
	} else {
		while (count_procs() > base)
			nanosleep(&tick, NULL);
	}
	t0 = now_ns() - t0;
	printf("%.1f %.1f\n", t0 / 1e6, c0 < 0 ? -1.0 : (init_cpu_ns() - c0) / 1e6);
	return 0;
}

static int sink(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (;;)
		pause();
	return 0;
}

static int count(const char *file)
{
	sigset_t set;
	long n = 0;
	FILE *f;
	int signo;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	while ((signo = sigwaitinfo(&set, NULL)) != SIGTERM)
		n += signo == SIGUSR1;
	f = fopen(file, "w");
	if (f == NULL)
		return 1;
	fprintf(f, "%ld\n", n);
	return fclose(f) == 0 ? 0 : 1;
}

static int spawn(long n, char **argv)
{
	int64_t *v, t0;
	pid_t pid;
	long i;
	int st, nul;

	v = calloc((size_t)n, sizeof(*v));
	nul = open("/dev/null", O_RDWR);
	if (v == NULL || nul < 0)
		return 1;
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			dup2(nul, 1);
			dup2(nul, 2);
			execvp(argv[0], argv);
			_exit(127);
		}
		if (waitpid(pid, &st, 0) < 0)
			return 1;
		v[i] = now_ns() - t0;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "benchkid: %s failed (status %#x)\n", argv[0], st);
			return 1;
		}
	}
	printf("%.0f %.0f\n", quantile(v, (size_t)n, 0.5) / 1e3, quantile(v, (size_t)n, 0.9) / 1e3);
	return 0;
}

/* One run of upall: the times to all N up and from the gate's release to CMD's end. */
static int upall_once(long n, char **argv, int nul, int64_t *up, int64_t *down)
{
	int ready[2], gate[2], st;
	int64_t t0, t1;
	char buf[64];
	ssize_t got;
	long have = 0;
	pid_t pid;

	if (pipe(ready) < 0 || pipe(gate) < 0)
		return 1;
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		dup2(nul, 1);
		dup2(nul, 2);
		/* fd 3: where programs say they are up; fd 4: the gate's end-of-file. */
		if (dup2(ready[1], 3) < 0 || dup2(gate[0], 4) < 0)
			_exit(126);
		if (ready[0] > 4)
			close(ready[0]);
		if (ready[1] > 4)
			close(ready[1]);
		if (gate[0] > 4)
			close(gate[0]);
		if (gate[1] > 4)
			close(gate[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(ready[1]);
	close(gate[0]);
	while (have < n && (got = read(ready[0], buf, sizeof(buf))) > 0)
		have += got;
	t1 = now_ns();
	close(gate[1]);
	close(ready[0]);
	if (waitpid(pid, &st, 0) < 0 || have < n || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "benchkid: %s: %ld of %ld up, status %#x\n", argv[0], have, n, st);
		return 1;
	}
	*up = t1 - t0;
	*down = now_ns() - t1;
	return 0;
}

static int upall(long runs, long n, char **argv)
{
	int64_t *up, *down;
	long i;
	int nul;

	up = calloc((size_t)runs, sizeof(*up));
	down = calloc((size_t)runs, sizeof(*down));
	nul = open("/dev/null", O_RDWR);
	if (up == NULL || down == NULL || nul < 0)
		return 1;
	for (i = 0; i < runs; i++)
		if (upall_once(n, argv, nul, &up[i], &down[i]) != 0)
			return 1;
	printf("%.0f %.0f\n", quantile(up, (size_t)runs, 0.5) / 1e3,
	       quantile(down, (size_t)runs, 0.5) / 1e3);
	return 0;
}

/* A program of upall's: up once its byte is written; the ladder's signal ends it. */
static int ready(bool gate)
{
	char c = 'u', buf[16];

	if (write(3, &c, 1) != 1)
		return 1;
	close(3);
	if (!gate)
		for (;;)
			pause();
	while (read(4, buf, sizeof(buf)) > 0)
		;
	return 0;
}

static int flood(pid_t pid, long n, int signo)
{
	long i;

	for (i = 0; i < n; i++)
		if (kill(pid, signo) < 0) {
			perror("benchkid: kill");
			return 1;
		}
	return 0;
}

/* Writes n bytes of 100-byte lines to stdout, 64 KB per write, as fast as it can. */
static int spew(long n, long size)
{
	static char buf[(1 << 20) + 100];
	long left = n, done = 0;
	ssize_t w;
	size_t i;

	if (size < 1 || size > 1 << 20) {
		fprintf(stderr, "benchkid: spew: write size out of 1..%d\n", 1 << 20);
		return 2;
	}
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = i % 100 == 99 ? '\n' : 'x';
	/* Each write goes on where the last ended, mid-line or not, as stdio's do. */
	while (left > 0) {
		w = write(STDOUT_FILENO, buf + done % 100, left < size ? (size_t)left : (size_t)size);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			perror("benchkid: write");
			return 1;
		}
		left -= w;
		done += w;
	}
	return 0;
}

/* Reads stdin until n bytes came (or its end); prints MB/s from the first byte on. */
static int drain(long n)
{
	static char buf[65536];
	int64_t start = 0, end;
	long got = 0;
	ssize_t r;

	while (got < n) {
		r = read(STDIN_FILENO, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (got == 0)
			start = now_ns();
		got += r;
	}
	end = now_ns();
	if (got < n) {
		fprintf(stderr, "benchkid: only %ld of %ld bytes came\n", got, n);
		return 1;
	}
	printf("%.0f\n", (double)got / 1e6 / ((double)(end - start) / 1e9));
	return 0;
}

int main(int argc, char **argv)
{
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "spew") == 0)
		return spew(parse_count(argv[2]), argc == 4 ? parse_count(argv[3]) : 65500);
	if (argc == 3 && strcmp(argv[1], "drain") == 0)
		return drain(parse_count(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "rtt") == 0)
		return rtt(parse_count(argv[2]), argc > 3 ? atoi(argv[3]) : -1);
	if (argc == 3 && strcmp(argv[1], "reap") == 0)
		return reap(parse_count(argv[2]));
	if (argc == 2 && strcmp(argv[1], "sink") == 0)
		return sink();
	if (argc == 3 && strcmp(argv[1], "count") == 0)
		return count(argv[2]);
	if (argc >= 4 && strcmp(argv[1], "spawn") == 0)
		return spawn(parse_count(argv[2]), argv + 3);
	if (argc >= 5 && strcmp(argv[1], "upall") == 0)
		return upall(parse_count(argv[2]), parse_count(argv[3]), argv + 4);
	if (argc == 2 && strcmp(argv[1], "ready") == 0)
		return ready(false);
	if (argc == 2 && strcmp(argv[1], "gate") == 0)
		return ready(true);
	if (argc >= 4 && strcmp(argv[1], "flood") == 0)
		return flood((pid_t)parse_count(argv[2]), parse_count(argv[3]),
			     argc > 4 ? atoi(argv[4]) : SIGUSR1);
	fprintf(stderr, "usage: benchkid rtt N [CPU] | reap N | sink | count FILE | "
			"spawn N CMD... | flood PID N [SIGNO] | upall R N CMD... | ready | gate | "
			"spew N [W] | drain N\n");
	return 2;
}
