// SPDX-License-Identifier: MIT
/*
 * The control socket's peer check (control/auth.h). The socket file's mode keeps others from
 * connecting at all; this is the check that counts, since a mode can be changed.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <string.h>
#include <unistd.h>

#include "control/auth.h"
#include "output/log.h"

#define MAX_GROUPS 256 /* supplementary groups of a peer looked at */

int ctlauth_init(struct ctlauth *auth, const char *group)
{
	struct group *gr;

	auth->group = false;
	if (group == NULL)
		return 0;
	errno = 0;
	gr = getgrnam(group);
	if (gr == NULL) {
		log_err("control-group %s: %s", group,
			errno != 0 ? strerror(errno) : "no such group");
		return -1;
	}
	auth->group = true;
	auth->gid = gr->gr_gid;
	return 0;
}

bool ctlauth_allowed(const struct ctlauth *auth, int fd, const struct ucred *cred)
{
	gid_t groups[MAX_GROUPS];
	socklen_t len = sizeof(groups);
	size_t i;

	if (cred->uid == 0 || cred->uid == geteuid())
		return true;
	if (!auth->group)
		return false;
	if (cred->gid == auth->gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == auth->gid)
			return true;
	return false;
}
