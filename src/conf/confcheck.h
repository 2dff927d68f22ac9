/* SPDX-License-Identifier: MIT */
/*
 * The validators conf/conf.c's schema runs while libconfuse reads the file. The parser type is
 * named by its struct tag, so this header needs no <confuse.h>.
 */
#ifndef PID1_CONFCHECK_H
#define PID1_CONFCHECK_H

/* Longest message text kept; a 10 MB token must not become a 10 MB line. */
#define CONF_MSG_MAX 200

struct cfg_t;

/* Installs every validator on a parser made from conf/conf.c's schema. */
void confcheck_install(struct cfg_t *cfg);

#endif
