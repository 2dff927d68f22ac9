/* SPDX-License-Identifier: MIT */
/*
 * The longest a shutdown can take, from the configuration alone: for `pid1 -n`, so that
 * docker stop's timeout or a Kubernetes terminationGracePeriodSeconds can be set above it.
 */
#ifndef PID1_STOPTIME_H
#define PID1_STOPTIME_H

#include <stdint.h>
#include <stdio.h>

#include "conf/conf.h"

/*
 * Writes, as comments, the worst-case stop time: the delay, hooks_ms (the longest the stop
 * hooks take), and one full ladder per stage; and the same from SIGTERM when it enters the
 * ladder at a later step. levels are the program sections' levels (order_levels()).
 */
void stoptime_print(const struct pid1_conf *conf, const int *levels, int64_t hooks_ms, FILE *out);

#endif
