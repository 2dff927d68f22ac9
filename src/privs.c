// SPDX-License-Identifier: MIT
/*
 * Privileges for the child. Order matters: supplementary groups and the gid can only be
 * changed while still root, so setgroups, setgid, then setuid; after that a setuid(0) must
 * fail, or the drop did not take.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privs.h"

/* A whole decimal number that fits an id; -1 otherwise. */
static long parse_id(const char *s)
{
	const char *err = NULL;
	long long n = strtonum(s, 0, 0x7fffffff, &err);

	return err == NULL ? (long)n : -1;
}

static int resolve_group(const char *name, gid_t *gid)
{
	struct group *gr;
	long id = parse_id(name);

	if (id >= 0) {
		*gid = (gid_t)id;
		return 0;
	}
	gr = getgrnam(name);
	if (gr == NULL) {
		fprintf(stderr, "pid1: group '%s' does not exist\n", name);
		return -1;
	}
	*gid = gr->gr_gid;
	return 0;
}

/* The user's supplementary groups, as login would set them. */
static int resolve_groups(const char *user, gid_t gid, struct privs *out)
{
	int n = 32;

	for (;;) {
		gid_t *groups = realloc(out->groups, (size_t)n * sizeof(gid_t));

		if (groups == NULL)
			return -1;
		out->groups = groups;
		out->ngroups = n;
		if (getgrouplist(user, gid, out->groups, &out->ngroups) >= 0)
			return 0;
		if (out->ngroups <= n)
			return -1;
		n = out->ngroups;
	}
}

int privs_resolve(const struct privs_conf *conf, struct privs *out)
{
	struct passwd *pw = NULL;
	long id;

	memset(out, 0, sizeof(*out));
	out->conf = conf;
	if (conf->user == NULL && conf->group == NULL)
		return 0;
	out->change_ids = true;
	out->uid = getuid();
	out->gid = getgid();
	if (conf->user != NULL) {
		id = parse_id(conf->user);
		pw = id >= 0 ? getpwuid((uid_t)id) : getpwnam(conf->user);
		if (pw == NULL && id < 0) {
			fprintf(stderr, "pid1: user '%s' does not exist\n", conf->user);
			return -1;
		}
		/* A bare uid without a passwd entry is allowed: containers often have none. */
		out->uid = pw != NULL ? pw->pw_uid : (uid_t)id;
		out->gid = pw != NULL ? pw->pw_gid : (gid_t)id;
	}
	if (conf->group != NULL && resolve_group(conf->group, &out->gid) < 0)
		return -1;
	if (pw != NULL && resolve_groups(pw->pw_name, out->gid, out) < 0) {
		fprintf(stderr, "pid1: cannot read the groups of user '%s'\n", pw->pw_name);
		privs_free(out);
		return -1;
	}
	return 0;
}

void privs_free(struct privs *privs)
{
	free(privs->groups);
	privs->groups = NULL;
	privs->ngroups = 0;
}

static int apply_env(const struct privs_conf *conf)
{
	char **p;

	for (p = conf->unset_env; p != NULL && *p != NULL; p++)
		if (unsetenv(*p) < 0)
			return -1;
	for (p = conf->env; p != NULL && *p != NULL; p++)
		if (putenv(*p) < 0)
			return -1;
	return 0;
}

static int drop_ids(const struct privs *privs, const char **what)
{
	*what = "setgroups";
	if (setgroups((size_t)privs->ngroups, privs->groups) < 0)
		return -1;
	*what = "setgid";
	if (setgid(privs->gid) < 0)
		return -1;
	*what = "setuid";
	if (setuid(privs->uid) < 0)
		return -1;
	/* If we could get root back, the drop did not take. */
	*what = "dropping root for good";
	if (privs->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

int privs_apply(const struct privs *privs, const char **what)
{
	const struct privs_conf *conf = privs->conf;

	if (conf == NULL)
		return 0;
	*what = "setting the environment";
	if (apply_env(conf) < 0)
		return -1;
	if (conf->set_umask)
		umask(conf->umask);
	if (privs->change_ids && drop_ids(privs, what) < 0)
		return -1;
	/* After the drop, so the directory is one the user itself may enter. */
	*what = "changing to the working directory";
	if (conf->workdir != NULL && chdir(conf->workdir) < 0)
		return -1;
	*what = "setting no_new_privs";
	if (conf->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return 0;
}
