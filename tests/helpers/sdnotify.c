// SPDX-License-Identifier: MIT
/*
 * sdnotify [-a ADDRESS] [-c COUNT] [-n BYTES] [-z] [-f FILE] [MESSAGE] [PROGRAM ARG...]:
 * sends one datagram (COUNT with -c) to
 * $NOTIFY_SOCKET (or ADDRESS; '@' for an abstract name), as sd_notify does. MESSAGE is sent
 * as given ("READY=1", "WATCHDOG=1\nSTATUS=x"); -n sends BYTES bytes that start with
 * "READY=1\n" and go on with 'x'; -z sends "READY=1" followed by a NUL and more; -f attaches
 * 10 fds open on FILE (SCM_RIGHTS). Then execs PROGRAM when given, so that the message
 * comes from the very process that goes on (a program's own pid, as a daemon's sd_notify
 * call would); else exits 0 when the datagram went out.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NFDS 10

int main(int argc, char **argv)
{
	const char *addr = getenv("NOTIFY_SOCKET"), *file = NULL;
	char *msg = NULL, space[CMSG_SPACE(NFDS * sizeof(int))];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct msghdr mh = {0};
	struct iovec iov;
	struct cmsghdr *c;
	size_t len = 0, n;
	long count = 1;
	int opt, fd, i;

	while ((opt = getopt(argc, argv, "+a:c:n:zf:")) != -1) {
		switch (opt) {
		case 'a':
			addr = optarg;
			break;
		case 'c':
			count = strtol(optarg, NULL, 10);
			break;
		case 'n':
			len = strtoul(optarg, NULL, 10);
			msg = malloc(len + 1);
			if (msg == NULL || len < 8)
				return 2;
			memset(msg, 'x', len);
			memcpy(msg, "READY=1\n", 8);
			break;
		case 'z':
			msg = malloc(16);
			if (msg == NULL)
				return 2;
			memcpy(msg, "READY=1\0WHAT", 12);
			len = 12;
			break;
		case 'f':
			file = optarg;
			break;
		default:
			return 2;
		}
	}
	if (msg == NULL && optind < argc) {
		msg = argv[optind++];
		len = strlen(msg);
	}
	if (addr == NULL || msg == NULL || (n = strlen(addr)) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "sdnotify: no socket or no message\n");
		return 2;
	}
	memcpy(sa.sun_path, addr, n);
	if (addr[0] == '@')
		sa.sun_path[0] = '\0';
	iov = (struct iovec){msg, len};
	mh.msg_name = &sa;
	mh.msg_namelen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (file != NULL) {
		mh.msg_control = space;
		mh.msg_controllen = sizeof(space);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(NFDS * sizeof(int));
		for (i = 0; i < NFDS; i++) {
			fd = open(file, O_RDONLY);
			if (fd < 0)
				return 2;
			memcpy(CMSG_DATA(c) + i * sizeof(int), &fd, sizeof(int));
		}
	}
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0)
		return 1;
	for (; count > 0; count--) {
		if (sendmsg(fd, &mh, 0) < 0) {
			perror("sdnotify");
			return 1;
		}
	}
	close(fd);
	if (optind < argc) {
		execvp(argv[optind], argv + optind);
		perror("sdnotify: exec");
		return 127;
	}
	return 0;
}
