// SPDX-License-Identifier: MIT
#include "config.h"

#include <string.h>

#include "sys/fdpath.h"

size_t fdpath(char *buf, size_t size, int fd, const char *name)
{
	static const char prefix[] = "/proc/self/fd/";
	char digits[12];
	size_t n = 0, len = sizeof(prefix) - 1, namelen = name != NULL ? strlen(name) + 1 : 0;
	unsigned int v = (unsigned int)fd;

	if (fd < 0)
		return size;
	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	if (len + n + namelen >= size)
		return len + n + namelen;
	memcpy(buf, prefix, len);
	while (n > 0)
		buf[len++] = digits[--n];
	if (name != NULL) {
		buf[len++] = '/';
		memcpy(buf + len, name, namelen - 1);
		len += namelen - 1;
	}
	buf[len] = '\0';
	return len;
}
