/* SPDX-License-Identifier: MIT */
/*
 * Who may use the control socket: root, pid1's own uid, and the members of the
 * control-group when one is configured, as SO_PEERCRED and SO_PEERGROUPS tell of the peer.
 */
#ifndef PID1_CTLAUTH_H
#define PID1_CTLAUTH_H

#include <sys/socket.h>
#include <sys/types.h>
#include <stdbool.h>

struct ctlauth {
	bool group; /* a control-group is configured */
	gid_t gid;
};

/* Resolves group (NULL: none). Returns 0, or -1 after logging that it does not exist. */
int ctlauth_init(struct ctlauth *auth, const char *group);

/* Whether the peer on fd, with cred as SO_PEERCRED gave it, may send requests. */
bool ctlauth_allowed(const struct ctlauth *auth, int fd, const struct ucred *cred);

#endif
