#!/bin/sh
# SPDX-License-Identifier: MIT
# A demo child for pid1: starts a few background jobs and exits from under them, the way
# careless daemons do, so their exits land on pid1 as orphans to reap.
echo "demo: I am pid $$; pid1 is PID 1 of this namespace"
for i in 1 2 3 4 5; do
	# The subshell exits at once: its sleeper is orphaned and re-parented to pid1.
	(sleep "0.$i" &)
done
sleep 1
echo "demo: zombies now: $(grep -l '^State:.Z' /proc/[0-9]*/status 2>/dev/null | wc -l)"
echo "demo: leaving a daemon behind; pid1 shuts it down with its ladder"
# Background jobs of sh ignore SIGINT, so the ladder's second step, SIGTERM, ends it.
(trap 'echo "demo daemon: got SIGTERM, flushing and exiting"; exit 0' TERM; sleep 30 & wait) &
sleep 0.2
exit 0
