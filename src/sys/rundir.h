/* SPDX-License-Identifier: MIT */
/*
 * pid1's runtime directory (default /run/pid1), where its sockets live. It is created if
 * missing, then held as a directory fd once checked: not a symlink, a directory owned by
 * pid1's effective uid, writable by nobody else. Sockets are bound inside it through that fd,
 * so a path swapped after the check, or longer than sun_path's 108 bytes, does not matter.
 */
#ifndef PID1_RUNDIR_H
#define PID1_RUNDIR_H

#include <sys/types.h>
#include <limits.h>
#include <stdbool.h>

#define RUNDIR_DEFAULT "/run/pid1"

/*
 * The runtime directory when the configuration names none: $PID1_RUNTIME_DIR when it is an
 * absolute path, else /run/pid1 for root and /tmp/pid1-UID for any other user, who cannot
 * create /run/pid1. pid1 and `pid1 ctl` run as the same user find the same one. In buf,
 * or the environment's own string.
 */
const char *rundir_default(char *buf, size_t len);

struct rundir {
	int fd; /* the checked directory, O_CLOEXEC; -1 when not open */
	char path[PATH_MAX];
	char error[PATH_MAX + 96]; /* why the last call failed, for the log */
};

/* A socket bound in the directory, as rundir_bind() made it. */
struct rundir_sock {
	int fd; /* bound (not listening), O_CLOEXEC and non-blocking; -1 when none */
	char name[64];
	dev_t dev; /* the socket file's identity, so that only ours is removed */
	ino_t ino;
};

/*
 * Opens path (absolute) as the runtime directory, creating it with mode 0755 when missing,
 * and its missing parents (0755) only inside directories nobody but root or pid1 may write.
 * Returns 0, or -1 with errno set and rd->error naming the path and the reason: a symlink
 * (ELOOP), not a directory (ENOTDIR), someone else's or writable by others (EPERM).
 */
int rundir_open(struct rundir *rd, const char *path);

/*
 * Opens path, a runtime directory some pid1 made, for a client to reach its sockets: nothing
 * is created, and the same checks hold, except that the directory may be root's as well as
 * our effective uid's. A client that trusted another user's directory would send its
 * requests to whoever listens there. Returns 0, or -1 with errno (ENOENT when it is missing)
 * and rd->error set.
 */
int rundir_find(struct rundir *rd, const char *path);

/* Connects the unix socket fd to name in the directory, through its fd, as connect(). */
int rundir_connect(struct rundir *rd, int fd, const char *name);

/*
 * Whether name in directory fd stays what it is: the directory is root's or pid1's user's
 * and nobody else writes to it, or it is sticky (/tmp) and name is root's or that user's.
 */
bool rundir_safe_entry(int fd, const char *name);

/* Where rundir_walk() stopped, and why. */
struct rundir_walk {
	enum {
		WALK_LONG,    /* a name longer than NAME_MAX */
		WALK_SHARED,  /* looked up in a directory where others could swap it: not */
		WALK_MISSING, /* missing, and its parent may be written by others: not created */
		WALK_MKDIR,   /* could not be created (errno) */
		WALK_OPEN,    /* could not be opened (errno) */
	} stop;
	const char *name, *end; /* the name it stopped at: "/" when / itself */
};

/*
 * Walks path (absolute, its first len bytes) from / one name at a time, each looked up only
 * where nobody else could have put or swapped it: a link in another user's directory cannot
 * send pid1 elsewhere. Existing names are followed as given (/var/run); with create, a
 * missing one is created (0755), only inside a parent root or pid1 alone may write. Returns
 * the directory as an O_PATH fd, or -1 with errno and *w set.
 */
int rundir_walk(const char *path, size_t len, bool create, struct rundir_walk *w);

/*
 * Binds a unix socket of type (SOCK_STREAM, SOCK_DGRAM, ...) as name inside the directory,
 * its file mode mode. A socket file left by a process gone is replaced; one that still
 * answers a connect is not (EADDRINUSE), nor anything that is not a socket (EEXIST).
 * Returns 0 with sock filled, or -1 with errno set and rd->error saying why.
 */
int rundir_bind(struct rundir *rd, const char *name, int type, mode_t mode,
		struct rundir_sock *sock);

/* Closes sock and removes its file, if the file is still the one bound. */
void rundir_unbind(const struct rundir *rd, struct rundir_sock *sock);

void rundir_close(struct rundir *rd);

/*
 * The other place for a socket, one that needs no directory at all: an abstract unix socket
 * (no file; gone with its last fd). Its namespace is the network namespace's, which other
 * containers of a Kubernetes pod, or the host with host networking, share: anyone there may
 * connect to the name, or bind it first. So each side checks the other (SO_PEERCRED) and the
 * name is STEM-N, N the inode of the PID namespace (/proc/self/ns/pid): a pid1 as PID 1 and
 * a client in its namespace meet there, and pid1s of other namespaces never collide.
 */
#define RUNDIR_ABSTRACT_MAX 64

/* STEM-N for this process's PID namespace, into buf. Returns 0, or -1 with errno. */
int rundir_abstract_name(const char *stem, char *buf, size_t len);

/*
 * A socket of type bound to the abstract name, O_CLOEXEC and non-blocking. Returns it, or -1
 * with errno (EADDRINUSE: another process holds the name).
 */
int rundir_abstract_bind(const char *name, int type);

/* Connects the unix socket fd to the abstract name, as connect(). */
int rundir_abstract_connect(int fd, const char *name);

#endif
