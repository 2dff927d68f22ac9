/* SPDX-License-Identifier: MIT */
/*
 * What libconfuse read, checked as it is read and copied into struct pid1_conf. The parser
 * type is named by its struct tag, so this header needs no <confuse.h>.
 */
#ifndef PID1_CONFTREE_H
#define PID1_CONFTREE_H

#include "conf/conf.h"

struct cfg_t;

/* Installs every check on a parser made from conf/confparse.c's schema. */
void conftree_check(struct cfg_t *cfg);

/* Copies the parsed file over the defaults in conf. Returns 0, or -1 when out of memory. */
int conftree_copy(struct cfg_t *cfg, struct pid1_conf *conf);

#endif
