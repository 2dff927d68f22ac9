// SPDX-License-Identifier: MIT
/*
 * What pid1 reads of a process in /proc/PID/status (its uids and capabilities) and what it
 * concludes of them: the capabilities a program's user needs that pid1 lacks, and their
 * names. The status files are written by the test; no id is changed.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sys/privs.h"

#define CAP(n) (1ULL << (n))

/* Writes text to a file of its own and reads it back with privs_seen(). */
static int seen_from(const char *text, struct privs_seen *seen)
{
	char path[] = "/tmp/pid1-test-privs.XXXXXX";
	int fd = mkstemp(path), rc;

	fail_unless(fd >= 0);
	fail_unless(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	rc = privs_seen(AT_FDCWD, path, seen);
	unlink(path);
	return rc;
}

static void test_seen(void)
{
	struct privs_seen seen;

	fail_unless(seen_from("Name:\tsleep\nUmask:\t0022\nState:\tS (sleeping)\n"
			      "Uid:\t1000\t1001\t1002\t1003\nGid:\t0\t0\t0\t0\n"
			      "CapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\n"
			      "CapEff:\t00000000a80425fb\n",
			      &seen) == 0);
	fail_unless(seen.uid == 1000 && seen.euid == 1001 && seen.suid == 1002);
	fail_unless(seen.cap_eff == 0xa80425fbULL);
	fail_unless(privs_has_cap(&seen, PRIVS_CAP_KILL) && privs_has_cap(&seen, PRIVS_CAP_SETUID));
	fail_unless(seen_from("Uid:\t0\t0\t0\t0\nCapEff:\t0000000000000000\n", &seen) < 0);
	fail_unless(seen_from("Name:\tx\nUid:\t0\t0\t0\t0\nCapEff:\t0000000000000000\n", &seen) ==
		    0);
	fail_unless(!privs_has_cap(&seen, PRIVS_CAP_KILL));
	/* A line missing, or the uids cut short: nothing is guessed. */
	fail_unless(seen_from("Name:\tx\nUid:\t0\t0\t0\t0\n", &seen) < 0);
	fail_unless(seen_from("Name:\tx\nUid:\t\nCapEff:\t0\n", &seen) < 0);
	fail_unless(privs_seen(AT_FDCWD, "/nonexistent/status", &seen) < 0);
	/* pid1's own, as it reads it at start-up. */
	fail_unless(privs_seen(AT_FDCWD, "/proc/self/status", &seen) == 0);
	fail_unless(seen.uid == getuid() && seen.euid == geteuid());
}

static void test_missing(void)
{
	struct privs_conf conf = {.user = "web"};
	struct privs privs = {.conf = &conf, .change_ids = true, .new_user = true};
	struct privs_seen none = {.cap_eff = 0}, all = {.cap_eff = ~0ULL};
	char names[64];

	/* Another user: its ids set, then signalled. */
	privs.uid = getuid() + 1;
	fail_unless(privs_missing(&privs, &none) ==
		    (CAP(PRIVS_CAP_SETGID) | CAP(PRIVS_CAP_SETUID) | CAP(PRIVS_CAP_KILL)));
	fail_unless(privs_missing(&privs, &all) == 0);
	fail_unless(strcmp(privs_cap_names(privs_missing(&privs, &none), names, sizeof(names)),
			   "CAP_SETGID, CAP_SETUID and CAP_KILL") == 0);
	/* pid1's own user with other groups: setgroups alone. */
	privs.uid = getuid();
	privs.new_user = getuid() != geteuid();
	if (!privs.new_user) {
		fail_unless(privs_missing(&privs, &none) == CAP(PRIVS_CAP_SETGID));
		fail_unless(strcmp(privs_cap_names(CAP(PRIVS_CAP_SETGID), names, sizeof(names)),
				   "CAP_SETGID") == 0);
	}
	/* Every id already in effect: nothing at all. */
	privs.change_ids = false;
	fail_unless(privs_missing(&privs, &none) == 0);
	/* No user or group asked: nothing, whatever the ids. */
	conf.user = NULL;
	privs.change_ids = true;
	privs.uid = getuid() + 1;
	fail_unless(privs_missing(&privs, &none) == 0);
	fail_unless(strcmp(privs_cap_names(CAP(PRIVS_CAP_SETUID) | CAP(PRIVS_CAP_KILL), names,
					   sizeof(names)),
			   "CAP_SETUID and CAP_KILL") == 0);
}

int main(void)
{
	test_seen();
	test_missing();
	return 0;
}
