// SPDX-License-Identifier: MIT
/*
 * lingerfd [-u] [-o] [-l SECONDS] -n ADDRESS | -c PATH: passes pid1 a TCP socket whose close
 * blocks: SO_LINGER on (SECONDS, 40 by default) and data unsent to a listener that never
 * accepts or reads. -n sends it with "READY=1" to the notify socket ADDRESS ('@' for an
 * abstract name); -c with "status\n" to the control socket PATH. -u sends instead a unix
 * socket whose queue holds the TCP socket in flight. -o (with -c) sends it on one byte of
 * out-of-band data (MSG_OOB), which a peek passes over unless read inline, then a request
 * pid1 answers, "pid1/1 status\n", with none. Then it lets go of its own copies, so the
 * receiver's close is the last if the receiver reads only after that (a test stops it while
 * this runs), prints "sent" or "refused: REASON", and waits to be killed, holding the
 * listener (were it closed, the connection would reset and not linger).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char text_x[] = "x", ready[] = "READY=1", status[] = "status\n",
	    request[] = "pid1/1 status\n";

static int die(const char *what)
{
	perror(what);
	return 2;
}

/* Sends one message of text with fd attached; flags are sendmsg's, beside MSG_NOSIGNAL. */
static int send_fd(int sock, struct sockaddr_un *sa, socklen_t salen, char *text, int fd, int flags)
{
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = {text, strlen(text)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = &control,
			    .msg_controllen = sizeof(control)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	mh.msg_name = sa;
	mh.msg_namelen = sa != NULL ? salen : 0;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &mh, flags | MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* A TCP connection to a listener that never accepts, lingering on data it cannot send. */
static int lingering(int *listener, int seconds)
{
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(in);
	struct linger lg = {.l_onoff = 1, .l_linger = seconds};
	static char chunk[65536];
	int fd;

	*listener = socket(AF_INET, SOCK_STREAM, 0);
	if (*listener < 0 || bind(*listener, (struct sockaddr *)&in, sizeof(in)) < 0 ||
	    listen(*listener, 1) < 0 || getsockname(*listener, (struct sockaddr *)&in, &len) < 0)
		return -1;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&in, sizeof(in)) < 0 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
		return -1;
	while (write(fd, chunk, sizeof(chunk)) > 0)
		;
	return errno == EAGAIN ? fd : -1;
}

/* A unix socket whose queue holds fd in flight. */
static int wrapped(int fd)
{
	int sp[2];

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sp) < 0 ||
	    send_fd(sp[0], NULL, 0, text_x, fd, 0) < 0)
		return -1;
	close(sp[0]);
	close(fd);
	return sp[1];
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *notify = NULL, *control = NULL, *addr;
	int opt, seconds = 40, listener, fd, sock, rc;
	bool wrap = false, oob = false;
	socklen_t salen;
	size_t n;

	while ((opt = getopt(argc, argv, "uol:n:c:")) != -1) {
		switch (opt) {
		case 'u':
			wrap = true;
			break;
		case 'o':
			oob = true;
			break;
		case 'l':
			seconds = atoi(optarg);
			break;
		case 'n':
			notify = optarg;
			break;
		case 'c':
			control = optarg;
			break;
		default:
			return 2;
		}
	}
	addr = notify != NULL ? notify : control;
	if (addr == NULL || (n = strlen(addr)) >= sizeof(sa.sun_path))
		return 2;
	memcpy(sa.sun_path, addr, n);
	if (addr[0] == '@')
		sa.sun_path[0] = '\0';
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (addr[0] != '@'));
	fd = lingering(&listener, seconds);
	if (fd < 0)
		return die("lingerfd: a lingering socket");
	if (wrap && (fd = wrapped(fd)) < 0)
		return die("lingerfd: wrapping it");
	sock = socket(AF_UNIX, notify != NULL ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (sock < 0)
		return die("lingerfd: socket");
	if (notify != NULL)
		rc = send_fd(sock, &sa, salen, ready, fd, 0);
	else if (connect(sock, (struct sockaddr *)&sa, salen) < 0)
		rc = -1;
	else if (oob)
		rc = send_fd(sock, NULL, 0, text_x, fd, MSG_OOB) < 0 ||
			     send(sock, request, strlen(request), MSG_NOSIGNAL) < 0
			 ? -1
			 : 0;
	else
		rc = send_fd(sock, NULL, 0, status, fd, 0);
	/* Refused, its own close is the last and lingers: say so first. */
	if (rc < 0)
		printf("refused: %s\n", strerror(errno));
	fflush(stdout);
	close(fd);
	if (rc == 0)
		printf("sent\n");
	fflush(stdout);
	alarm(300);
	/* The control client stays connected: its socket is pid1's to let go of. */
	for (;;)
		pause();
}
