/* SPDX-License-Identifier: MIT */
/*
 * The run-time state of pid1, owned by pid1.c and passed by pointer to the modules that act
 * on it: the programs and their state machine (state/program.c, supervisor/supervise.c) and the
 * supervisor-wide phase with its shutdown ladder (supervisor/phase.c, its only writer). Nothing
 * here is touched from a signal handler.
 */
#ifndef PID1_STATE_H
#define PID1_STATE_H

#include <sys/types.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf/cli.h"
#include "conf/conf.h"
#include "core/child.h"
#include "core/loop.h"
#include "output/labelled.h"
#include "sys/cgroup.h"
#include "sys/privs.h"

struct inbox;
struct manager;
struct notifysocket;

/*
 * One supervised program and its state machine (state/program.c). Each program is in exactly
 * one state, and program_step() is the only way out of it: an event and the time it happened
 * go in, the new state and the actions the supervisor must take come out. No clock, no system
 * call, no log there, so unit tests drive it with a clock of their own.
 */
enum program_state {
	PROGRAM_WAITING,  /* not started yet: waits for the programs it comes after */
	PROGRAM_STARTING, /* spawned, not yet seen to exec or not ready; a oneshot until its end */
	PROGRAM_RUNNING,  /* a longrun that is ready, not yet reaped */
	PROGRAM_KILLING,  /* hung (its restart policy follows) or stopped on request: its ladder */
	PROGRAM_STOPPING, /* running while pid1 shuts down: its end is final */
	PROGRAM_BACKOFF,  /* ended; starts again at deadline_ms */
	PROGRAM_DONE,	  /* a oneshot that exited 0: what comes after it may start */
	PROGRAM_ENDED,	  /* ended for good, or never started because pid1 shut down */
	PROGRAM_STOPPED,  /* stopped on request: not restarted, not a failure, until started */
};

/* What was asked of a program by name (pid1 ctl, a signal rule's restart). */
enum program_request {
	PROGRAM_REQ_NONE,
	PROGRAM_REQ_STOP,    /* its own ladder runs (KILLING); its end leaves it STOPPED */
	PROGRAM_REQ_RESTART, /* its own ladder runs; its end starts it again at once */
};

enum program_event {
	PROGRAM_EV_START,    /* what it comes after is up: start it */
	PROGRAM_EV_SPAWNED,  /* the supervisor forked it as pid; its exec is still to come */
	PROGRAM_EV_EXECED,   /* its exec succeeded: its command runs */
	PROGRAM_EV_NOEXEC,   /* it could not exec: status says how */
	PROGRAM_EV_NOFORK,   /* no process could be made for it: status is the errno */
	PROGRAM_EV_EXIT,     /* reaped with status */
	PROGRAM_EV_TICK,     /* time passed: a back-off may be over */
	PROGRAM_EV_STOP,     /* pid1 shuts down: nothing starts or restarts any more */
	PROGRAM_EV_READY,    /* it said it is ready (READY=1, or a newline on its ready fd) */
	PROGRAM_EV_WATCHDOG, /* it said it is alive (WATCHDOG=1, or a newline on its ready fd) */
	PROGRAM_EV_STOPPING, /* it said it is stopping (STOPPING=1): no longer ready */
	PROGRAM_EV_TRIGGER,  /* it asked to be treated as hung (WATCHDOG=trigger) */
	PROGRAM_EV_HALT,     /* stop it on request, with its own ladder */
	PROGRAM_EV_RESTART,  /* restart it on request: its ladder, then start at once */
	PROGRAM_EV_RUN,	     /* start it on request, whatever it waited for */
	PROGRAM_EV_LEFT,     /* reaped with status while its stop waits for its group too */
	PROGRAM_EV_EMPTY,    /* the group it left when reaped (LEFT) is empty: it has ended */
	PROGRAM_EV_FAILING,  /* its health check failed retries times in a row: hung */
};

/* Why a program is being stopped while pid1 runs on. */
enum program_hang {
	HANG_NONE,
	HANG_READY_TIMEOUT, /* not ready within its ready-timeout */
	HANG_WATCHDOG,	    /* no sign of life within its watchdog period */
	HANG_TRIGGER,	    /* it said so itself (WATCHDOG=trigger) */
	HANG_HEALTH,	    /* its health check failed retries times in a row */
};

/*
 * A check pid1 makes of a program (supervisor/probe.c): its ready probe while it starts, its
 * health check while it runs. One attempt at a time, each a loop source (a socket) or a child
 * (exec), each with its deadline; what an attempt found is taken after the wake-up.
 */
enum probe_stage {
	PROBE_IDLE,    /* no attempt under way: the next one is due at deadline_ms */
	PROBE_CONNECT, /* a non-blocking connect under way */
	PROBE_SEND,    /* the HTTP request being written */
	PROBE_RECEIVE, /* the status line being read */
	PROBE_RUN,     /* its command runs as pid */
	PROBE_FOUND,   /* the attempt is over: passed and result say how */
};

struct probe {
	/* Set up once at start-up. */
	struct probe_spec spec;
	char *const *argv;	 /* exec's command */
	int64_t interval_ms;	 /* ready: from one attempt's start to the next; health: rest */
	int64_t timeout_ms;	 /* of one attempt */
	int64_t start_period_ms; /* health: failures within it from the start do not count */
	int retries;		 /* health: failures in a row that make the program hung */
	/* Run time (supervisor/probe.c). */
	bool active; /* it runs for the program's current start */
	enum probe_stage stage;
	int fd;		     /* the socket of the attempt under way, else -1 */
	int errfd;	     /* exec: the exec-error pipe, else -1 */
	pid_t pid;	     /* exec: until reaped, even once the attempt was given up */
	int64_t started_ms;  /* of the attempt under way */
	int64_t deadline_ms; /* of the attempt under way, or when the next is due */
	size_t done;	     /* bytes of the request sent, or of the reply read */
	char buf[512];	     /* the request, then the reply's first bytes */
	bool passed;	     /* the last attempt's outcome */
	bool checked;	     /* an attempt has ended since it became active */
	int failures;	     /* in a row, counted ones only */
	char result[64];     /* what the last attempt found, for the log and the status */
};

/* Actions program_step() asks for, any combination. */
#define PROGRAM_ACT_SPAWN   0x01   /* spawn it now */
#define PROGRAM_ACT_UP	    0x02   /* it counts as up: programs after it may start */
#define PROGRAM_ACT_BACKOFF 0x04   /* a restart is booked at deadline_ms */
#define PROGRAM_ACT_GIVE_UP 0x08   /* the policy wanted a restart, the limit said no */
#define PROGRAM_ACT_ENDED   0x10   /* it ended for good (see status) */
#define PROGRAM_ACT_CANCEL  0x20   /* a booked restart was dropped by the shutdown */
#define PROGRAM_ACT_TIMEOUT 0x40   /* a stop hook outlived its timeout: kill it */
#define PROGRAM_ACT_STOPPED 0x100  /* its end on request left it STOPPED */
#define PROGRAM_ACT_NOEXEC  0x200  /* its first start failed: it ended without ever running */
#define PROGRAM_ACT_HUNG    0x400  /* hung, or stopped on request: its own ladder's first step */
#define PROGRAM_ACT_KILL    0x800  /* a hung program outlived a grace: send it step kill_step */
#define PROGRAM_ACT_RETRY   0x1000 /* no process could be made: started again at deadline_ms */

/*
 * A program's process group, kept by supervisor/target.c alone: its number while it may still have
 * members, and a pidfd of its leader, which names the group itself as long as it lives and no
 * other group after it, whatever process takes the number later.
 */
struct pgroup {
	pid_t id; /* 0: it has none (it shares pid1's), or it was seen empty after its leader */
	int fd;	  /* -1: none, the kernel would not give one */
};

struct program {
	/* Set up once at start-up, read-only afterwards. */
	const char *name;
	enum program_type type;
	int stop_signal;    /* the first signal of its own ladder; 0: the step the shutdown is at */
	int ready_mode;	    /* an enum ready_mode, or the fd of ready = fd:N */
	int level;	    /* 0 without after, else 1 + the highest level it comes after */
	int64_t timeout_ms; /* how long a stop hook may run */
	int64_t ready_timeout_ms;	 /* 0: none */
	const struct ladder_step *steps; /* its own ladder (hung, or on request): the shutdown's */
	size_t nsteps;
	int64_t watchdog_conf_ms; /* its watchdog key; 0: none */
	struct restart_conf restart;
	size_t *after; /* indexes of the programs it comes after */
	size_t nafter;
	struct child_opts spawn;      /* argv, process group, terminal, privileges */
	struct privs_conf privs_conf; /* the effective keys: its own, else the top level's */
	struct privs privs;
	struct output *output;	   /* its labelled output (output = prefix), else NULL */
	struct probe *ready_probe; /* ready = tcp:..., http://..., exec; else NULL */
	regex_t *ready_log;	   /* ready = log:REGEX, compiled; else NULL */
	struct probe *health;	   /* its health section; else NULL */

	/* Run time, changed by program_step() alone. */
	enum program_state state;
	pid_t pid;	     /* while RUNNING or STOPPING and not reaped (see LEFT), else 0 */
	struct pgroup group; /* kept after it ends, for what it left behind (supervisor/target.c) */
	int status;	     /* wait status of its last end */
	enum program_hang hung; /* why it was last stopped as hung, until it is spawned again */
	enum program_request request; /* while KILLING on request, else NONE */
	unsigned int pending;	      /* actions from a reap, for the supervisor to take after it */
	/* Two set up once, beside the run-time flags where they pack without padding. */
	bool essential;
	bool stop_hook;	    /* a oneshot that runs at shutdown, never at start-up */
	bool started;	    /* its exec has succeeded at least once */
	bool completed;	    /* it has been ready at least once (a oneshot: exited 0) */
	bool exited;	    /* status holds the status of its last end */
	bool stopping;	    /* it said STOPPING=1: not ready until its next start */
	bool due;	    /* to spawn once the event is handled (supervisor/supervise.c) */
	bool oom_killed;    /* its last end was the OOM killer's SIGKILL (supervisor/supervise.c) */
	bool removed;	    /* a reload took its section away: stopped, then no longer listed */
	bool log_seen;	    /* this start printed a ready_log match, not yet taken */
	int64_t started_ms; /* when it was last spawned (forked) */
	/* Its wait at start-up (supervisor/waiting.c): since when (else -1), notices logged. */
	int64_t wait_since_ms;
	unsigned int wait_notices;
	int fork_err; /* why no process could be made at its last start (errno), else 0 */
	/*
	 * End of the back-off (BACKOFF), of a stop hook's timeout or the ready-timeout
	 * (STARTING), of the watchdog period (RUNNING), of a hung program's grace (KILLING);
	 * else -1.
	 */
	int64_t deadline_ms;
	int64_t watchdog_ms; /* the watchdog period, 0 for none; WATCHDOG_USEC= changes it */
	size_t kill_step;    /* while KILLING, the step of its ladder last sent; nsteps: SIGKILL */
	int64_t backoff_ms;  /* the last back-off booked, for the log */
	size_t nofork;	     /* starts in a row that made no process */
	size_t recent;	     /* restarts counted within the window when the last was booked */
	struct restart_history history;
	/* A oneshot's export-env pipe and what came through it (supervisor/exportenv.c). */
	struct {
		int fd;	   /* pid1's end while open, else -1 */
		char *buf; /* this run's bytes so far, len of them */
		size_t len;
		bool excess;  /* it wrote more than EXPORTENV_MAX_BYTES */
		char **taken; /* NAME=value taken at its last exit 0, NULL-terminated, or NULL */
	} exported;
};

/* Puts p in its first state, WAITING. */
void program_reset(struct program *p);

/* Feeds one event at time now (ms on any monotonic clock) and returns PROGRAM_ACT_* bits. */
unsigned int program_step(struct program *p, enum program_event ev, int64_t now, pid_t pid,
			  int status);

/* The time p next needs a TICK, or -1 when none. */
int64_t program_deadline(const struct program *p);

/*
 * More time to become ready (EXTEND_TIMEOUT_USEC=): the ready-timeout ends no earlier than
 * now + ms. Only while STARTING with a ready-timeout.
 */
void program_extend(struct program *p, int64_t now, int64_t ms);

/* A new watchdog period (WATCHDOG_USEC=), counted from now; 0 turns the watchdog off. */
void program_set_watchdog(struct program *p, int64_t now, int64_t ms);

/* Whether a live process of p may still be reached (from STARTING to STOPPING). */
bool program_running(const struct program *p);

/* Whether p was reaped while being stopped and waits for its group to empty (LEFT). */
bool program_left(const struct program *p);

/* Whether p is ready now: a longrun RUNNING, or a oneshot that has exited 0. */
bool program_ready(const struct program *p);

/*
 * How p last ended, for the status and the log: "exited with status 3", "killed by SIGKILL",
 * "could not be started: Resource temporarily unavailable" when no process could be made at
 * its last start, "-" before any end.
 */
const char *program_describe_end(const struct program *p, char *buf, size_t len);

/* p's state for the status: KILLING on request reads stopping or restarting. */
const char *program_status(const struct program *p);

/* How a process ended, for the log and the status: an OOM kill is named as such. */
#define PROGRAM_OOM_KILLED "killed by the OOM killer (SIGKILL)"
const char *program_describe_exit(int status, bool oom_killed, char *buf, size_t len);

/* Name of a state, for the log and the tests. */
const char *program_state_name(enum program_state state);

/* The supervisor as a whole. */
enum phase {
	PHASE_RUN,	/* programs start, run and restart */
	PHASE_HOOKS,	/* the stop hooks run: nothing else starts or restarts */
	PHASE_STOPPING, /* the ladder runs: nothing starts or restarts */
	PHASE_DONE,	/* leave the loop and exit */
};

/* The shutdown ladder, see supervisor/phase.c. */
struct ladder {
	int stage;	     /* the level of programs being stopped; -1 for the whole scope */
	int step;	     /* -1 during the delay, else an index into conf->shutdown.steps */
	int entry_step;	     /* the step each stage starts at (after the delay) */
	int64_t deadline_ms; /* when the current step's grace ends; -1 for none */
	int64_t step_started_ms;
	int64_t asked_ms; /* when the shutdown was last asked and it counted: repeats are timed */
	/* With a shutdown budget (conf->shutdown.budget_ms), see supervisor/phase.c: */
	int64_t worst_ms;     /* the configured worst case from the entry step; 0: no budget */
	int64_t fit_ms;	      /* what it is scaled to: the budget less its reserve */
	int64_t cutoff_ms;    /* when that is spent: the final SIGKILL; -1 for none */
	int64_t hooks_end_ms; /* when the stop hooks' share is spent */
	bool final;	      /* the final SIGKILL was sent: the ladder ends with its grace */
};

/*
 * Each program's exec-error pipe while open, and what it said, indexed like the programs
 * (supervisor/supervise.c).
 */
struct exec_watch {
	bool open;
	int fd;
	enum child_exec seen; /* PENDING until the loop handler read an end or a record */
	struct child_failure failure;
};

struct spawn_watch {
	struct exec_watch execs[CONF_MAX_PROGRAMS + 1];
	size_t ndone; /* successful execs seen by the handler, not yet taken */
	bool warned;  /* a start went unwatched for want of fds: said once */
};

/* What systemd was last told (supervisor/readiness.c). */
struct readiness_told {
	bool ready;	 /* READY=1 was sent */
	bool last_ready; /* pid1 was ready at the last update */
	bool stopping;
	char status[256];
};

struct pid1_state {
	const struct pid1_conf *conf;
	const struct options *cli; /* main()'s command line: laid over a file read again too */
	struct loop *loop;	   /* main()'s: the fds pid1 polls */
	bool is_pid1;		   /* PID 1 of a namespace, so kill(-1) reaches everything */
	bool subreaper; /* orphans of descendants come to us through the subreaper flag */

	struct program *programs; /* main first when there is a command; allocated at start-up */
	size_t nprograms;
	int max_level; /* the highest program level */

	bool children_left;	  /* at the last reap some process was still in our care */
	bool released;		  /* the starting directory and inherited fds were let go */
	char start_dir[PATH_MAX]; /* its path then, the workdir of programs without one */
	bool waiting; /* on-child-exit = wait: the essential program ended, pid1 waits */

	enum phase phase;
	struct ladder ladder;
	char hooks_why[64]; /* why the shutdown began, for the ladder after the stop hooks */
	int hooks_signo;
	struct program *decider; /* the program whose end decides pid1's exit code, or NULL */
	struct outputs outputs;	 /* the programs' labelled output */
	char stopped_by[64];	 /* what asked for the shutdown (a signal, pid1 ctl), else "" */
	struct cgroup_oom oom;	 /* the OOM kills counted in pid1's memory cgroup */
	struct spawn_watch spawns;
	struct readiness_told told;

	/* readiness/: what programs said, and the sd_notify socket; NULL until needed */
	struct inbox *inbox;
	struct notifysocket *notify;
	struct manager *manager; /* main()'s: pid1's own readiness told outward */
};

#endif
