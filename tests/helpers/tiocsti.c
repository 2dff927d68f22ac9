// SPDX-License-Identifier: MIT
/* tiocsti TEXT: what a hostile child tries on a terminal it shares: push TEXT and a newline
 * into the terminal's input as if typed (ioctl TIOCSTI), through fd 0 and then through
 * /dev/tty, its controlling terminal. Prints its controlling terminal as /proc/self/stat
 * has it ("ctty tty_nr=N tpgid=N"), then one line per way tried: "fd 0: pushed" or
 * "fd 0: <reason>", the same for "/dev/tty". Exits 0 when some way pushed the text. */
#include "config.h"

#include <sys/ioctl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Fields 7 and 8 of /proc/self/stat: the controlling terminal and its foreground group. */
static void print_ctty(void)
{
	char buf[1024], *p;
	int tty_nr = 0, tpgid = 0;
	FILE *f = fopen("/proc/self/stat", "re");

	if (f != NULL && fgets(buf, sizeof(buf), f) != NULL && (p = strrchr(buf, ')')) != NULL)
		sscanf(p + 2, "%*c %*d %*d %*d %d %d", &tty_nr, &tpgid);
	if (f != NULL)
		fclose(f);
	printf("ctty tty_nr=%d tpgid=%d\n", tty_nr, tpgid);
}

/* Pushes text and a newline into fd's terminal; 0, or -1 with errno set. */
static int push(int fd, const char *text)
{
	const char nl = '\n';

	for (; *text != '\0'; text++)
		if (ioctl(fd, TIOCSTI, text) < 0)
			return -1;
	return ioctl(fd, TIOCSTI, &nl);
}

static int try(const char *name, int fd, const char *text)
{
	int rc = fd < 0 ? -1 : push(fd, text);

	printf("%s: %s\n", name, rc == 0 ? "pushed" : strerror(errno));
	return rc;
}

int main(int argc, char **argv)
{
	int fd, pushed;

	if (argc != 2) {
		fprintf(stderr, "usage: tiocsti TEXT\n");
		return 2;
	}
	print_ctty();
	pushed = try("fd 0", 0, argv[1]) == 0;
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	pushed |= try("/dev/tty", fd, argv[1]) == 0;
	fflush(stdout);
	return pushed ? 0 : 1;
}
