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

#define PRIVS_NAME_MAX 256

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
};

/* Resolved at start-up. */
struct privs {
	const struct privs_conf *conf;
	bool change_ids;
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t *groups;
};

/*
 * Looks the user and group up. Returns 0, or -1 after printing one line naming what does
 * not exist (the caller exits 2).
 */
int privs_resolve(const struct privs_conf *conf, struct privs *out);
void privs_free(struct privs *privs);

/*
 * In the child, before exec: environment, umask, then setgroups, setgid, setuid in that
 * order, a check that root cannot be regained, the working directory, and no_new_privs.
 * Returns 0, or -1 with errno set and *what naming the step that failed.
 */
int privs_apply(const struct privs *privs, const char **what);

#endif
