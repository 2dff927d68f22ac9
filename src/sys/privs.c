// SPDX-License-Identifier: MIT
/*
 * Privileges for the child. Order matters: supplementary groups and the gid can only be
 * changed while still root, so setgroups, setgid, then setuid; after that a setuid(0) must
 * fail, or the drop did not take. Ids already in effect are not set again, so a user that
 * runs pid1 may name itself. A child that becomes another user gets that user's HOME, USER
 * and LOGNAME, and leaves pid1's session when pid1 has a terminal it could type into.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/privs.h"

/* A whole decimal number that fits an id; -1 otherwise. */
static long parse_id(const char *s)
{
	const char *err = NULL;
	long long n = strtonum(s, 0, 0x7fffffff, &err);

	return err == NULL ? (long)n : -1;
}

/* Sets why from a format; returns -1 for the caller to return. */
static int __attribute__((format(printf, 3, 4))) say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

static int resolve_group(const char *name, gid_t *gid, char *why, size_t len)
{
	struct group *gr;
	long id = parse_id(name);

	if (id >= 0) {
		*gid = (gid_t)id;
		return 0;
	}
	gr = getgrnam(name);
	if (gr == NULL)
		return say(why, len, "group '%s' does not exist", name);
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

/*
 * The user by name or number. A number without a passwd entry is allowed, as containers
 * often have none; like Docker, it gets group 0 and no supplementary groups.
 */
static int resolve_user(const char *user, struct privs *out, char *why, size_t len)
{
	long id = parse_id(user);
	struct passwd *pw = id >= 0 ? getpwuid((uid_t)id) : getpwnam(user);

	if (pw == NULL && id < 0)
		return say(why, len, "user '%s' does not exist", user);
	out->uid = pw != NULL ? pw->pw_uid : (uid_t)id;
	out->gid = pw != NULL ? pw->pw_gid : 0;
	/* Copied now: the entry lives in a buffer the next lookup reuses. */
	out->home = strdup(pw != NULL && pw->pw_dir[0] != '\0' ? pw->pw_dir : "/");
	out->name = pw != NULL ? strdup(pw->pw_name) : NULL;
	if (out->home == NULL || (pw != NULL && out->name == NULL))
		return say(why, len, "out of memory");
	return 0;
}

/* Every group of a but gid is also in b. */
static bool covers(const gid_t *a, int na, const gid_t *b, int nb, gid_t gid)
{
	int i, j;

	for (i = 0; i < na; i++) {
		for (j = 0; j < nb && b[j] != a[i]; j++)
			;
		if (j == nb && a[i] != gid)
			return false;
	}
	return true;
}

/*
 * Whether pid1 already runs with every id the child wants: real, effective and saved uid
 * and gid, and the same supplementary groups, the primary group aside (listed or not, it
 * grants the same access). Then there is nothing to set, and nothing an unprivileged pid1
 * would be refused (setgroups needs CAP_SETGID even to set the groups one has).
 */
static bool ids_in_effect(const struct privs *p)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg, *have;
	bool same;
	int n;

	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 || ru != p->uid ||
	    eu != p->uid || su != p->uid || rg != p->gid || eg != p->gid || sg != p->gid)
		return false;
	n = getgroups(0, NULL);
	have = n >= 0 ? calloc((size_t)n + 1, sizeof(*have)) : NULL;
	if (have == NULL)
		return false;
	n = getgroups(n, have);
	same = n >= 0 && covers(have, n, p->groups, p->ngroups, p->gid) &&
	       covers(p->groups, p->ngroups, have, n, p->gid);
	free(have);
	return same;
}

/*
 * Whether pid1 has a terminal a child could type into: on fds 0-2, or as its controlling
 * terminal, which /dev/tty opens even when those are redirected. Only ENXIO from /dev/tty
 * proves there is no controlling terminal; any other failure counts as one.
 */
static bool has_terminal(void)
{
	int fd, i;

	for (i = 0; i <= 2; i++)
		if (isatty(i))
			return true;
	fd = open("/dev/tty", O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno != ENXIO;
	close(fd);
	return true;
}

int privs_resolve(const struct privs_conf *conf, struct privs *out, char *why, size_t len)
{
	memset(out, 0, sizeof(*out));
	out->conf = conf;
	if (conf->user == NULL && conf->group == NULL)
		return 0;
	out->uid = getuid();
	out->gid = getgid();
	if (conf->user != NULL && resolve_user(conf->user, out, why, len) < 0)
		goto fail;
	if (conf->group != NULL && resolve_group(conf->group, &out->gid, why, len) < 0)
		goto fail;
	if (out->name != NULL && resolve_groups(out->name, out->gid, out) < 0) {
		say(why, len, "cannot read the groups of user '%s'", out->name);
		goto fail;
	}
	out->change_ids = !ids_in_effect(out);
	out->new_user = out->uid != getuid() || out->uid != geteuid();
	out->new_session = out->new_user && conf->terminal == TERMINAL_DETACH && has_terminal();
	return 0;
fail:
	privs_free(out);
	return -1;
}

void privs_free(struct privs *privs)
{
	free(privs->groups);
	free(privs->home);
	free(privs->name);
	privs->groups = NULL;
	privs->ngroups = 0;
	privs->home = NULL;
	privs->name = NULL;
}

/* A new user's HOME, USER and LOGNAME, as runuser sets them; without a name, no USER. */
static int set_identity(const struct privs *privs)
{
	if (!privs->new_user || privs->home == NULL)
		return 0;
	if (setenv("HOME", privs->home, 1) < 0)
		return -1;
	if (privs->name == NULL)
		return unsetenv("USER") < 0 || unsetenv("LOGNAME") < 0 ? -1 : 0;
	return setenv("USER", privs->name, 1) < 0 || setenv("LOGNAME", privs->name, 1) < 0 ? -1 : 0;
}

/* An entry of the environment or of a list of changes, by its name, in order of arrival. */
struct env_entry {
	const char *s;
	size_t len; /* of its name */
	size_t seq;
};

static int by_name(const void *a, const void *b)
{
	const struct env_entry *x = a, *y = b;
	int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);

	if (c != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->seq < y->seq ? -1 : 1;
}

/*
 * Applies changes ("NAME=value" sets, a bare "NAME" removes) over environ at once, the last
 * for a name winning, in O(n log n): putenv one at a time scans environ each time, which
 * for the 27000 variables of a 1 MiB env-file took a second. The inherited variables keep
 * their order, new ones follow in the order given.
 */
static int apply_changes(char **changes)
{
	size_t ne = 0, nc = 0, n, i, k = 0;
	struct env_entry *all;
	char **out;
	bool *win;

	while (environ != NULL && environ[ne] != NULL)
		ne++;
	while (changes[nc] != NULL)
		nc++;
	n = ne + nc;
	all = calloc(n + 1, sizeof(*all));
	win = calloc(n + 1, sizeof(*win));
	out = calloc(n + 1, sizeof(*out));
	if (all == NULL || win == NULL || out == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		all[i].s = i < ne ? environ[i] : changes[i - ne];
		all[i].len = strcspn(all[i].s, "=");
		all[i].seq = i;
	}
	qsort(all, n, sizeof(*all), by_name);
	/* Sorted by name, then arrival: the last of each name wins, unless it removes it. */
	for (i = 0; i < n; i++)
		if (i + 1 == n || all[i].len != all[i + 1].len ||
		    memcmp(all[i].s, all[i + 1].s, all[i].len) != 0)
			win[all[i].seq] = all[i].s[all[i].len] == '=';
	for (i = 0; i < n; i++)
		if (win[i])
			out[k++] = i < ne ? environ[i] : changes[i - ne];
	environ = out;
	free(all);
	free(win);
	return 0;
fail:
	free(all);
	free(win);
	free(out);
	errno = ENOMEM;
	return -1;
}

/*
 * After set_identity, so that what the file says wins. The changes read from files at this
 * start hold env too, in its place among them.
 */
static int apply_env(const struct privs *privs)
{
	const struct privs_conf *conf = privs->conf;
	char **p;

	for (p = conf->unset_env; p != NULL && *p != NULL; p++)
		if (unsetenv(*p) < 0)
			return -1;
	if (privs->env_built != NULL)
		return apply_changes(privs->env_built);
	for (p = conf->env; p != NULL && *p != NULL; p++)
		if (putenv(*p) < 0)
			return -1;
	return 0;
}

static int drop_ids(const struct privs *privs, const char **what)
{
	if (privs->change_ids) {
		*what = "setgroups";
		if (setgroups((size_t)privs->ngroups, privs->groups) < 0)
			return -1;
		*what = "setgid";
		if (setgid(privs->gid) < 0)
			return -1;
		*what = "setuid";
		if (setuid(privs->uid) < 0)
			return -1;
	}
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
	if (set_identity(privs) < 0 || apply_env(privs) < 0)
		return -1;
	if (conf->set_umask)
		umask(conf->umask);
	if ((conf->user != NULL || conf->group != NULL) && drop_ids(privs, what) < 0)
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

/* The text after "\nkey" in buf, or NULL. */
static const char *status_field(const char *buf, const char *key)
{
	const char *s = strstr(buf, key);

	return s != NULL ? s + strlen(key) : NULL;
}

int privs_seen(int dirfd, const char *path, struct privs_seen *out)
{
	/* Uid comes in the first few hundred bytes, CapEff at about 1 KiB. */
	char buf[4096], *end;
	const char *uid, *cap;
	unsigned long ids[3];
	size_t len = 0;
	ssize_t n;
	int fd, i;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	do {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		len += n > 0 ? (size_t)n : 0;
	} while ((n > 0 && len < sizeof(buf) - 1) || (n < 0 && errno == EINTR));
	close(fd);
	buf[len] = '\0';
	uid = status_field(buf, "\nUid:");
	cap = status_field(buf, "\nCapEff:");
	if (uid == NULL || cap == NULL) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < 3; i++) {
		ids[i] = strtoul(uid, &end, 10);
		if (end == uid) {
			errno = EINVAL;
			return -1;
		}
		uid = end;
	}
	out->uid = (uid_t)ids[0];
	out->euid = (uid_t)ids[1];
	out->suid = (uid_t)ids[2];
	out->cap_eff = strtoull(cap, &end, 16);
	return 0;
}

bool privs_has_cap(const struct privs_seen *seen, int cap)
{
	return (seen->cap_eff >> cap) & 1;
}

uint64_t privs_missing(const struct privs *privs, const struct privs_seen *me)
{
	const struct privs_conf *conf = privs->conf;
	uint64_t need = 0;

	if (conf == NULL || (conf->user == NULL && conf->group == NULL))
		return 0;
	if (privs->change_ids)
		need |= 1ULL << PRIVS_CAP_SETGID;
	if (privs->change_ids && privs->new_user)
		need |= 1ULL << PRIVS_CAP_SETUID;
	/* kill(2): a sender's real or effective uid must be the target's real or saved one. */
	if (privs->uid != getuid() && privs->uid != geteuid())
		need |= 1ULL << PRIVS_CAP_KILL;
	return need & ~me->cap_eff;
}

const char *privs_cap_names(uint64_t caps, char *buf, size_t len)
{
	static const struct {
		int cap;
		const char *name;
	} names[] = {
	    {PRIVS_CAP_SETGID, "CAP_SETGID"},
	    {PRIVS_CAP_SETUID, "CAP_SETUID"},
	    {PRIVS_CAP_KILL, "CAP_KILL"},
	};
	size_t i, n = 0, left = 0;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		left += (caps >> names[i].cap) & 1;
	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!((caps >> names[i].cap) & 1))
			continue;
		if (n > 0)
			strlcat(buf, n + 1 == left ? " and " : ", ", len);
		strlcat(buf, names[i].name, len);
		n++;
	}
	return buf;
}
