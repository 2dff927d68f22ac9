/* SPDX-License-Identifier: MIT */
/*
 * Who the child runs as, and in what surroundings: user, group and supplementary groups,
 * working directory, umask, no_new_privs, environment changes. Names are resolved once at
 * start-up, so a user that does not exist is an error before anything runs; the changes
 * themselves happen in the child only, so pid1 keeps the power to signal and reap.
 */
#ifndef PID1_PRIVS_H
#define PID1_PRIVS_H

#include <sys/types.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#define PRIVS_NAME_MAX 256

/* What a child that runs as another user gets of pid1's terminal. */
enum terminal_policy {
	TERMINAL_DETACH, /* a session of its own: the terminal is not its controlling one */
	TERMINAL_SHARED, /* pid1's session and terminal: job control, and TIOCSTI into it */
};

/* As written in the config file or on the command line. */
struct privs_conf {
	char *user;	/* name or number; NULL keeps pid1's */
	char *group;	/* name or number; NULL uses the user's primary group */
	char *workdir;	/* NULL keeps pid1's */
	bool set_umask; /* false keeps pid1's umask */
	mode_t umask;
	bool no_new_privs;
	char **env;	  /* "NAME=value" to set, NULL-terminated, or NULL */
	char **unset_env; /* names to remove, NULL-terminated, or NULL */
	char **env_file;  /* env files, "-" before an optional one; NULL-terminated, or NULL */
	char *env_dir;	  /* an s6-style envdir, "-" before an optional one, or NULL */
	char **file_env;  /* names set from the file NAME_FILE names; NULL-terminated, or NULL */
	/* Under a program: the top level's, whose files come before the program's. */
	const struct privs_conf *outer;
	enum terminal_policy terminal;
};

/* Resolved at start-up. */
struct privs {
	const struct privs_conf *conf;
	/* Ids are set unless all are pid1's already: a user may run itself unprivileged. */
	bool change_ids;
	bool new_user; /* the uid differs from pid1's */
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t *groups;
	/* When the user changes: its HOME, and its name for USER and LOGNAME (NULL: none). */
	char *home; /* NULL leaves all three as pid1 has them */
	char *name;
	/* The child leaves pid1's session, so that it cannot type into pid1's terminal. */
	bool new_session;
	/* The environment's changes read from files at this start (sys/envfile.h), or NULL. */
	char **env_built;
};

/*
 * Looks the user and group up, and works out which ids really change and whether pid1 has
 * a terminal the child must be kept from. A uid without a passwd entry gets group 0 and no
 * supplementary groups, as under Docker. Returns 0, or -1 with why (len bytes) naming what
 * does not exist (the caller exits 2).
 */
int privs_resolve(const struct privs_conf *conf, struct privs *out, char *why, size_t len);
void privs_free(struct privs *privs);

/*
 * In the child, before exec: environment (the new user's HOME, USER and LOGNAME, then
 * unset-env, then env_built when set, else env, so the file has the last word), umask, then
 * setgroups, setgid, setuid in that order, a check that root cannot be regained, the working
 * directory, and no_new_privs. Returns 0, or -1 with errno set and *what naming the step that
 * failed.
 */
int privs_apply(const struct privs *privs, const char **what);

/* Capability numbers as in <linux/capability.h>, which a musl toolchain may not see. */
#define PRIVS_CAP_KILL	 5
#define PRIVS_CAP_SETGID 6
#define PRIVS_CAP_SETUID 7

/* What /proc/PID/status says of a process: its user ids, and what it may do. */
struct privs_seen {
	uid_t uid, euid, suid; /* real, effective, saved */
	uint64_t cap_eff;      /* effective capabilities, bit n for capability n */
};

/*
 * Reads the status file at path (under dirfd, or AT_FDCWD): "/proc/self/status" for pid1
 * itself. Reads at most 4 KiB, from procfs only. Returns 0, or -1 (errno set) when the file
 * cannot be read or lacks the Uid or CapEff line.
 */
int privs_seen(int dirfd, const char *path, struct privs_seen *out);

/* Whether seen has capability cap (PRIVS_CAP_*) in effect. */
bool privs_has_cap(const struct privs_seen *seen, int cap);

/*
 * The capabilities pid1, as me says it runs, lacks to start a child as privs says and to
 * signal it later: bit n for capability n, 0 when none is missing. A child of pid1's own
 * user needs none; setgroups alone needs CAP_SETGID, even for the groups pid1 has.
 */
uint64_t privs_missing(const struct privs *privs, const struct privs_seen *me);

/* "CAP_SETGID, CAP_SETUID and CAP_KILL" for a mask from privs_missing(). */
const char *privs_cap_names(uint64_t caps, char *buf, size_t len);

#endif
