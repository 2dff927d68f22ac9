// SPDX-License-Identifier: MIT
/*
 * sdlisten PATH: a stand-in for systemd's notify socket. Binds a datagram socket at PATH and
 * prints each message it gets on one line, newlines shown as '|', flushed at once, until
 * killed.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char buf[4096];
	ssize_t got, i;
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path))
		return 2;
	strcpy(sa.sun_path, argv[1]);
	unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("sdlisten");
		return 1;
	}
	for (;;) {
		got = recv(fd, buf, sizeof(buf), 0);
		if (got < 0)
			return 1;
		for (i = 0; i < got; i++)
			if (buf[i] == '\n')
				buf[i] = '|';
		printf("%.*s\n", (int)got, buf);
		fflush(stdout);
	}
}
