/* SPDX-License-Identifier: MIT */
/*
 * From a parsed libconfuse tree into struct pid1_conf. The parser type is named by its
 * struct tag, so this header needs no <confuse.h>.
 */
#ifndef PID1_CONFCOPY_H
#define PID1_CONFCOPY_H

#include "conf/conf.h"

struct cfg_t;

/* Copies the parsed file over the defaults in conf. Returns 0, or -1 when out of memory. */
int confcopy_conf(struct cfg_t *cfg, struct pid1_conf *conf);

/* Copies a `restart` section's keys over rc. */
void confcopy_restart(struct cfg_t *sec, struct restart_conf *rc);

#endif
