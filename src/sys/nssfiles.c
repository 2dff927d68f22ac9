// SPDX-License-Identifier: MIT
/*
 * Static builds only: user and group lookups that read /etc/passwd and /etc/group directly.
 * glibc's own go through NSS, which in a static binary drags in dlopen, the DNS resolver and
 * the nscd client (over 100 KiB more of PID 1 resident for its whole life) and still cannot
 * load any module but "files" unless the matching shared glibc is installed. Defined here,
 * the linker takes these instead of libc.a's, for sys/privs.c and for libconfuse's ~user alike.
 */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

/* The entry for name, or for uid when name is NULL. */
static struct passwd *find_user(const char *name, uid_t uid)
{
	struct passwd *pw;
	FILE *f = fopen("/etc/passwd", "re");

	if (f == NULL)
		return NULL;
	while ((pw = fgetpwent(f)) != NULL)
		if (name != NULL ? strcmp(pw->pw_name, name) == 0 : pw->pw_uid == uid)
			break;
	fclose(f); /* the entry lives in fgetpwent's own buffer, not in f */
	return pw;
}

struct passwd *getpwnam(const char *name)
{
	return find_user(name, 0);
}

struct passwd *getpwuid(uid_t uid)
{
	return find_user(NULL, uid);
}

struct group *getgrnam(const char *name)
{
	struct group *gr;
	FILE *f = fopen("/etc/group", "re");

	if (f == NULL)
		return NULL;
	while ((gr = fgetgrent(f)) != NULL)
		if (strcmp(gr->gr_name, name) == 0)
			break;
	fclose(f);
	return gr;
}

static int is_member(const struct group *gr, const char *user)
{
	char **m;

	for (m = gr->gr_mem; *m != NULL; m++)
		if (strcmp(*m, user) == 0)
			return 1;
	return 0;
}

/*
 * As glibc's: group first, then every group that lists user, each once. Returns the count,
 * or -1 with *ngroups set to the size needed when groups is too small.
 */
int getgrouplist(const char *user, gid_t group, gid_t *groups, int *ngroups)
{
	struct group *gr;
	FILE *f = fopen("/etc/group", "re");
	int n = 1, i;

	if (*ngroups > 0)
		groups[0] = group;
	while (f != NULL && (gr = fgetgrent(f)) != NULL) {
		if (gr->gr_gid == group || !is_member(gr, user))
			continue;
		for (i = 1; i < n && i < *ngroups && groups[i] != gr->gr_gid; i++)
			;
		if (i < n && i < *ngroups)
			continue; /* listed twice in /etc/group */
		if (n < *ngroups)
			groups[n] = gr->gr_gid;
		n++;
	}
	if (f != NULL)
		fclose(f);
	i = n <= *ngroups ? n : -1;
	*ngroups = n;
	return i;
}
