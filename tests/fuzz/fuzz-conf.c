// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the config parser: every input must either load or be refused with
 * -1, never crash, leak or hang. Built and run by .ci/fuzz.sh with clang's
 * -fsanitize=fuzzer,address,undefined.
 */
#include "config.h"

#include <sys/mman.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "conf/conf.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	(void)argc;
	(void)argv;
	/* conf_load reports every refusal on stderr: keep the fuzzer's own output readable. */
	if (null >= 0)
		dup2(null, STDERR_FILENO);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pid1_conf conf;
	char path[64];
	int fd;

	/* A memory file owned by us with mode 0600 passes the ownership checks as a real one. */
	fd = memfd_create("pid1-fuzz", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (conf_load(path, &conf) == 0)
			conf_free(&conf);
	}
	close(fd);
	return 0;
}
