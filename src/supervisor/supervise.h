/* SPDX-License-Identifier: MIT */
/*
 * The supervisor, one header for its files: every event enters it through supervise(), which
 * feeds the programs' state machines (state/program.c) and the container's (phase.c) and
 * carries out what they return: spawn, signal, log, answer. Readiness on its side
 * (readiness.c): what programs said goes to their state machines through supervise(); pid1's
 * own (every essential program ready) goes to the ready file and to systemd. Who waits for
 * whom at start-up, and the notices that say so (waiting.c).
 */
#ifndef PID1_SUPERVISE_H
#define PID1_SUPERVISE_H

#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/loop.h"
#include "state/state.h"

enum supervise_kind {
	SUPERVISE_START,    /* pid1 starts: what waits for nothing starts */
	SUPERVISE_SIGNAL,   /* pid1 received signo (never SIGCHLD): as its rule says */
	SUPERVISE_REAP,	    /* children ended or stopped (SIGCHLD) */
	SUPERVISE_TICK,	    /* after each wake-up: execs seen, time passed */
	SUPERVISE_PROGRAM,  /* program p said something (ev: READY, WATCHDOG, STOPPING, TRIGGER) */
	SUPERVISE_REQUEST,  /* ev (HALT, RESTART or RUN) asked for p by who; answer in msg */
	SUPERVISE_KILL,	    /* signo asked for p by who; answer in msg */
	SUPERVISE_SHUTDOWN, /* shut down, for the reason who */
	SUPERVISE_RELOAD,   /* read the config file again, for who; signo 1: only say what */
};

struct supervise_event {
	enum supervise_kind kind;
	int signo;
	struct program *p;
	enum program_event ev;
	const char *who;
	char *msg; /* len bytes */
	size_t len;
};

/* Feeds one event. Returns 0, or -1 when a request is refused (msg says why). */
int supervise(struct pid1_state *st, const struct supervise_event *ev);

/* The one deadline the loop waits for: programs', the ladder's, readiness's; -1 for none. */
int64_t supervise_deadline(const struct pid1_state *st);

/* The program called name, or NULL. Stop hooks are not found: they run at shutdown only. */
struct program *supervise_find(struct pid1_state *st, const char *name);

/*
 * The table of programs (state/roster.c), built once at start-up from the configuration:
 * the command is the essential longrun named `main`, then each program section in file order,
 * its keys laid over the top-level defaults. take_tty: main takes pid1's terminal. Returns 0,
 * or -1 after printing one line (a user or group that does not exist, out of memory); pid1
 * then exits 2 with nothing started.
 */
int roster_build(struct pid1_state *st, const struct pid1_conf *conf,
		 const struct signal_setup *signals, bool take_tty);
void roster_free(struct pid1_state *st);

/*
 * A reload: the config file read again, its program sections compared by name with the
 * table's. roster_prepare() reads and checks it and builds what is added or changed; on
 * error nothing is kept and err says why ("PATH:LINE: ..."). Then either roster_cancel()
 * drops it, or the supervisor restarts what changed and runs, roster_commit() puts the new
 * sections in the table (a removed program stays, stopped and unlisted, until its slot is
 * free), and the supervisor stops what was removed. Top-level keys are not reloaded: those
 * that differ are named in ignored.
 */
enum roster_change { ROSTER_SAME, ROSTER_ADDED, ROSTER_REMOVED, ROSTER_CHANGED };

struct roster_entry {
	enum roster_change change;
	const char *name;
	struct program *p; /* the live program; NULL when added */
	char keys[160];	   /* when changed: the keys that differ */
};

struct roster_plan {
	struct roster_entry e[2 * CONF_MAX_PROGRAMS];
	size_t n;
	char ignored[256];
};

int roster_prepare(struct pid1_state *st, struct roster_plan *plan, char *err, size_t len);
void roster_cancel(struct pid1_state *st);
void roster_commit(struct pid1_state *st, const struct roster_plan *plan);

/*
 * For `pid1 -n`: a comment line for each program that pid1, with the capabilities it has
 * here, could not start as its user (roster_build() would refuse it). Where -n runs is not
 * always where pid1 will, so it is a warning, not an error.
 */
void roster_print_lacks(const struct pid1_conf *conf, FILE *out);

/* After loop_init(): pid1's own notify client, and the socket for ready = notify. Returns 0/-1. */
int readiness_open(struct pid1_state *st);

/*
 * Whether pid1 is ready: it runs and every essential program is ready (every program, when
 * none is essential); summary says so in one line ("1 of 2 programs ready; not ready: web").
 */
bool readiness_ready(const struct pid1_state *st, char *summary, size_t len);

/* After each wake-up: feeds the programs' notices in, then updates pid1's own readiness. */
void readiness_update(struct pid1_state *st);

/* At exit: the ready file removed, every socket and pipe closed. */
void readiness_close(struct pid1_state *st);

/*
 * exportenv.c: a oneshot's export-env = fd:N, the variables it hands to the programs that
 * come after it. The pipe is a loop source read without waiting, bounded to
 * EXPORTENV_MAX_BYTES; what came through is taken once the oneshot exits 0.
 */
#define EXPORTENV_MAX_BYTES (64 * 1024)
#define EXPORTENV_MAX_TEXT  "64 KiB"

/* Before p's spawn: a new pipe, its write end in p->spawn. Returns 0, or -1 after logging. */
int exportenv_prepare(struct pid1_state *st, struct program *p);

/* After p's spawn (pid, or <= 0 when none was made): pid1's end watched, the other closed. */
void exportenv_spawned(struct pid1_state *st, struct program *p, pid_t pid);

/*
 * p was reaped with status: what is left in the pipe is read, and on an exit 0 its lines are
 * taken. Returns status, or an exit 1 when what it wrote cannot be taken (logged).
 */
int exportenv_reaped(struct pid1_state *st, struct program *p, int status);

/*
 * The lists of variables handed to p: those taken from each oneshot p comes after, directly
 * or through others, in start order, into lists (max entries, NULL-terminated).
 */
void exportenv_for(const struct pid1_state *st, const struct program *p, char **lists[],
		   size_t max);

/* Closes p's pipe and frees what it took. */
void exportenv_free(struct pid1_state *st, struct program *p);

/*
 * probe.c: the checks pid1 makes of programs (ready = tcp:..., http://..., exec; health
 * sections). probe_new() makes one, idle, for the table of programs at start-up (NULL when
 * out of memory); roster_free() frees them.
 */
struct probe *probe_new(void);

/* Gives up what pr has under way (its socket, its command) and frees it; NULL is nothing. */
void probe_free(struct pid1_state *st, struct probe *pr);

#define PROBE_READY	0x1 /* its ready probe passed: PROGRAM_EV_READY */
#define PROBE_UNHEALTHY 0x2 /* its health check failed retries times: PROGRAM_EV_FAILING */

/*
 * After each wake-up, for each program at now: starts, stops and times out its probes as its
 * state wants, and takes what an attempt found. Returns PROBE_* bits for its state machine.
 */
unsigned int probe_tick(struct pid1_state *st, struct program *p, int64_t now);

/* A reaped pid that was a check's command: true, and what it found kept. */
bool probe_reaped(struct pid1_state *st, pid_t pid, int status);

/* The earliest probe deadline, or -1. */
int64_t probe_deadline(const struct pid1_state *st);

/* Whether p is ready and, with a health check, not failing it. */
bool probe_healthy(const struct program *p);

/* p's health for the status: "healthy: HTTP 200", "unhealthy 2/3: ...", "ready"... */
const char *probe_health(const struct program *p, char *buf, size_t len);

/*
 * waiting.c: who waits for whom at start-up. A program that waits for what it comes after is
 * logged at notice waiting_notice_ms(n) after its wait began, for n = 0, 1, 2...: 10s, 30s,
 * 1m, 2m, 5m, 10m, then every 10m, naming what it waits for and what that is doing.
 */
int64_t waiting_notice_ms(unsigned int n);

/* Start-up moved on at now: each program that now waits has its wait timed from now. */
void waiting_begin(struct pid1_state *st, int64_t now);

/* p starts at now: its wait is over, and said to be when it was logged. */
void waiting_over(struct program *p, int64_t now);

/* The earliest notice due, or -1 when no program waits: no wake-up for it then. */
int64_t waiting_deadline(const struct pid1_state *st);

/* Logs the notices due at now. */
void waiting_tick(struct pid1_state *st, int64_t now);

/*
 * The names of the programs p still waits for, ", " between them, into buf (cut at len).
 * Returns how many; 0 when p does not wait (a stop hook, started, or no longer start-up).
 */
size_t waiting_names(const struct pid1_state *st, const struct program *p, char *buf, size_t len);

/*
 * phase.c: the container's phase (run, stop hooks, the shutdown ladder, done) as one state
 * machine. phase_step() is the only writer of st->phase and st->ladder: an event and the time
 * go in, a list of actions comes out; no clock, no system call, no log, so unit tests drive it
 * with a clock of their own. phase_act() carries the list out: the ladder's signals and the log.
 */
enum phase_event {
	PHASE_EV_START,	    /* pid1 starts: programs start, run and restart */
	PHASE_EV_SHUTDOWN,  /* a shutdown is asked (why, signo): it begins, or is repeated */
	PHASE_EV_ESSENTIAL, /* essential program p ended for good (why): on-child-exit decides */
	PHASE_EV_FAILED,    /* start-up cannot go on because of p (why) */
	PHASE_EV_REAPED,    /* children were reaped: on-child-exit = wait may be over */
	PHASE_EV_HOOKS,	    /* stop hooks started or ended: the ladder may begin */
	PHASE_EV_TICK,	    /* time passed or processes ended: the ladder may move on */
};

struct phase_input {
	enum phase_event ev;
	int64_t now; /* CLOCK_MONOTONIC ms */
	const char *why;
	int signo; /* the signal that asked for the shutdown, 0 for none */
	struct program *p;
	bool empty; /* nothing is left in the shutdown's scope; asked only if phase_needs_empty() */
};

enum phase_action_kind {
	PHASE_ACT_CANCEL,      /* p's booked restart was dropped: nothing restarts any more */
	PHASE_ACT_WAIT,	       /* on-child-exit = wait: p ended (why), what it left is waited for */
	PHASE_ACT_HOOKS,       /* the shutdown (why) runs count stop hooks first */
	PHASE_ACT_CUT,	       /* a repeated shutdown (why) cut the stop hooks short */
	PHASE_ACT_BEGIN,       /* the ladder begins (why) at step */
	PHASE_ACT_DELAY,       /* it waits ms before the first step */
	PHASE_ACT_REPEAT,      /* a repeat (why) at step: the next step, or SIGKILL (signo) */
	PHASE_ACT_DUPLICATE,   /* the shutdown (why) asked again ms after: one delivered twice */
	PHASE_ACT_END_STEP,    /* step of stage ended (why says how) after ms; warn: it timed out */
	PHASE_ACT_EXHAUSTED,   /* stage (-1: the whole scope) ran out of steps */
	PHASE_ACT_SEND,	       /* signo to stage as step, grace ms; first: stop-signals instead */
	PHASE_ACT_FINISH,      /* the ladder is over (why) */
	PHASE_ACT_OVER_BUDGET, /* at start-up: the worst case (ms) does not fit the budget */
	PHASE_ACT_BUDGET,      /* the shutdown has a budget of ms: its times scaled to fit */
	PHASE_ACT_HOOKS_SPENT, /* the stop hooks' share is spent, ms into the shutdown */
	PHASE_ACT_SPENT,       /* the budget ran out at step of stage, ms in: the final SIGKILL */
};

struct phase_action {
	enum phase_action_kind kind;
	const char *why;
	const struct program *p;
	int step, signo, stage;
	bool first, warn;
	int64_t ms;
	size_t count;
};

/* A shutdown's actions: one cancel per program at most, a few for the phase and the ladder. */
struct phase_actions {
	struct phase_action a[CONF_MAX_PROGRAMS + 16];
	size_t n;
	char line[128]; /* a why made up here */
};

/* Whether phase_step() will look at in->empty: what target_empty() costs is paid only then. */
bool phase_needs_empty(const struct pid1_state *st, const struct phase_input *in);

/* Feeds one event; out receives the actions, in order. */
void phase_step(struct pid1_state *st, const struct phase_input *in, struct phase_actions *out);

/* Carries out the actions: signals through supervisor/target.c, lines to the log. */
void phase_act(const struct pid1_state *st, const struct phase_actions *acts);

/* A waiting stop hook whose after list has ended, or NULL. */
struct program *phase_next_hook(const struct pid1_state *st);

/*
 * A shutdown budget: what of budget_ms the configured times are scaled to fit (the rest is
 * kept for the final SIGKILL and pid1's exit), and ms as scaled from a configured worst case
 * worst_ms to fit_ms (unchanged when it fits).
 */
int64_t phase_budget_fit(int64_t budget_ms);
int64_t phase_scale(int64_t ms, int64_t worst_ms, int64_t fit_ms);

/* When the ladder next needs a TICK, at now; -1 when never. */
int64_t phase_deadline(const struct pid1_state *st, int64_t now);

/*
 * For `pid1 -n`, so that docker stop's timeout or a Kubernetes terminationGracePeriodSeconds
 * can be set above it: writes, as comments, the worst-case stop time (the delay, hooks_ms for
 * the stop hooks, one full ladder per stage), and the same from SIGTERM when it enters the
 * ladder at a later step. levels are the program sections' levels (order_levels()). With a
 * shutdown budget, what it leaves of each configured time.
 */
void phase_print_stoptime(const struct pid1_conf *conf, const int *levels, int64_t hooks_ms,
			  FILE *out);

/* pid1's exit code once the phase is DONE, exit-code remaps applied, logged with its reason. */
int phase_exit_code(const struct pid1_state *st);

/*
 * target.c, reaching processes: sending a signal to a scope (the programs, their groups,
 * everything), counting what is left in it, and reaping; the only place pid1 calls kill() and
 * wait(). target_signal() sends signo to the processes in scope, never to a child already
 * reaped. Returns 0 when at least one process was reached, -1 otherwise (errno set).
 */
int target_signal(const struct pid1_state *st, enum scope scope, int signo);

/*
 * Sends signo to the programs named in names (NULL-terminated): to each one's process group
 * when scope is not child and it has one, else to its process.
 */
int target_signal_named(const struct pid1_state *st, enum scope scope, char *const *names,
			int signo);

/*
 * p was spawned as pid: its process group, when it leads one, is known from now on, by a
 * pidfd where the kernel gives one.
 */
void target_spawned(struct program *p, pid_t pid);

/*
 * Whether p, reaped just now while being stopped (on request, hung, or by the shutdown
 * with a scope other than child), left processes in its group that its stop must wait for.
 */
bool target_waits(const struct pid1_state *st, const struct program *p);

/*
 * Forgets the group of each reaped program that is now empty, or holds only processes pid1
 * may not signal: after each reap and tick, so that its number, free for any process to
 * take, is never signalled as the program's.
 */
void target_settle(const struct pid1_state *st);

/* Sends signo to the process group of a check's command, led by pid, not yet reaped. */
int target_signal_probe(pid_t pid, int signo);

/* Sends signo to one program: its process group when it has one, else its process. */
int target_signal_program(const struct program *p, int signo);

/* Whom a ladder step reaches: one program, else the programs of a level, else a scope. */
struct target_set {
	const struct program *program; /* not NULL: this program alone */
	int level;		       /* else, when >= 0: the running programs of this level */
	bool first;		       /* with level: those with a stop-signal get it instead */
	enum scope scope;	       /* else: this scope */
};

/*
 * One step of a ladder, the shutdown's or a program's own: signo to set, then SIGCONT
 * unless signo is SIGKILL or SIGCONT, since a stopped process cannot act on a signal until
 * it runs again (systemd does the same). Returns what sending signo returned, errno with it.
 */
int target_step(const struct pid1_state *st, const struct target_set *set, int signo);

/*
 * How many live processes that pid1 may signal remain in scope; -1 when it cannot tell.
 * Those it may not (no CAP_KILL, another user) are named in the log, each once.
 */
int target_count(const struct pid1_state *st, enum scope scope);

/*
 * True when nothing pid1 may signal is left in scope: the ladder may end. Cheap while a
 * child of pid1's is left: no /proc walk, unless a process pid1 may not signal was seen.
 */
bool target_empty(const struct pid1_state *st, enum scope scope);

/*
 * Makes pid1 a child subreaper when it is not PID 1, or always when force is set, so orphans
 * still come to it. Sets st->is_pid1 and st->subreaper. Returns 0, or -1 (errno set).
 */
int reaper_init(struct pid1_state *st, bool force);

/*
 * The next child that ended (reaped) or stopped, without waiting: true with *pid and
 * *status set. False once none is left to collect now; st->children_left then says whether
 * any child remains. Signals coalesce, so a caller collects until false.
 */
bool reaper_next(struct pid1_state *st, pid_t *pid, int *status);

/* Logs an orphan reaped (-w: at warning level). */
void reaper_orphan(const struct pid1_state *st, pid_t pid, int status);

/*
 * The termination message (supervisor/termination.c): why pid1 exited, for the file
 * Kubernetes shows as the container's last state. Its path: $PID1_TERMINATION_LOG when set,
 * else termination-log, else /dev/termination-log; "" for none. conf is NULL when no
 * configuration was loaded, st when no program was started: pid1 refused to start.
 */
#define TERMINATION_MAX 4096 /* what the kubelet reads of it */
size_t termination_compose(const struct pid1_state *st, int code, char *buf, size_t len);
void termination_write(const struct pid1_conf *conf, const struct pid1_state *st, int code);

#endif
