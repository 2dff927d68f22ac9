// SPDX-License-Identifier: MIT
#include "config.h"

#include "service.h"

/* Temporary until the service module lands. */
int service_pidfile_open(const char *path)
{
	(void)path;
	return 0;
}
void service_pidfile_remove(void)
{
}
void service_child_env(void)
{
}
