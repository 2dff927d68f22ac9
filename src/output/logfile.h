/* SPDX-License-Identifier: MIT */
/*
 * The log file target: a file named in a directory that pid1 resolves once and trusts,
 * reopened by name when log rotation moves it away. Used by output/log.c only.
 */
#ifndef PID1_LOGFILE_H
#define PID1_LOGFILE_H

#include <sys/types.h>
#include <limits.h>

/* Closed when both fds are -1, as a static initializer must set them. */
struct logfile {
	int dir_fd; /* the directory, opened at start; -1 when closed */
	int fd;	    /* the file being written; -1 when closed */
	dev_t dev;  /* fd's identity, to notice a rename (logrotate) */
	ino_t ino;
	const char *name; /* the last component of path */
	char path[PATH_MAX];
	char why[PATH_MAX + 96]; /* why the last open failed or was refused */
};

/* Opens and checks path's directory, then the file. Returns 0, or -1 with lf->why set. */
int logfile_open(struct logfile *lf, const char *path);
/*
 * Reopens the file when the name now stands for another one. Returns 0 when lf->fd is the
 * file the name stands for, or -1 with lf->why set, the old fd kept.
 */
int logfile_follow(struct logfile *lf);
void logfile_close(struct logfile *lf);
/* Moves fd above 2 (closing the original); see output/log.c. Returns the new fd or -1. */
int logfile_move_high(int fd);

#endif
