#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Reaping: a burst of orphans leaves no zombie behind, and pid1 that is not PID 1 makes
# itself a subreaper so orphans still come to it (-s asks for that as PID 1 too).
# shellcheck disable=SC2016,SC2154 # sh -c scripts are single-quoted; bats sets $stderr
bats_require_minimum_version 1.5.0
load lib/pid1

setup() {
	unset PID1_CONFIG
}

# Run inside the namespace: makes $1 orphans that exit at once, waits (at most 30 s) until
# none is left, even as a zombie, then counts zombies of any kind.
BURST='
"$ORPHANS" "$1" || exit 1
i=0
while :; do
	left=$(cat /proc/[0-9]*/stat 2>/dev/null | grep -c "(orphans)")
	[ "$left" = 0 ] && break
	i=$((i + 1))
	[ "$i" -lt 600 ] || break
	sleep 0.05
done
zombies=$(cat /proc/[0-9]*/stat 2>/dev/null | sed "s/.*) //" | grep -c "^Z")
echo "left=$left zombies=$zombies"
'

# Run as pid1's child: leaves a sleep whose parent exits, checks that pid1 ($PPID) adopts it,
# then kills it and checks that it is reaped, not left a zombie. Deadlines of 20 s.
ADOPT='
p=$(sh -c "sleep 60 </dev/null >/dev/null 2>&1 & echo \$!")
i=0
until [ "$(sed -n "s/^PPid:[[:space:]]*//p" /proc/$p/status)" = "$PPID" ]; do
	i=$((i + 1))
	[ "$i" -lt 400 ] || { echo "orphan $p was not adopted by $PPID"; exit 1; }
	sleep 0.05
done
echo adopted
kill "$p"
i=0
while [ -e "/proc/$p" ]; do
	i=$((i + 1))
	[ "$i" -lt 400 ] || { echo "orphan $p was not reaped"; exit 1; }
	sleep 0.05
done
echo reaped
'

@test "reaps 1000 orphans that exit at the same moment, leaving no zombie" {
	ORPHANS=$PID1_HELPERS/orphans run -0 --separate-stderr pid1_run sh -c "$BURST" sh 1000
	assert_line "orphaned 1000"
	assert_line "left=0 zombies=0"
}

@test "reaps orphans left behind by a child that has already exited" {
	run -0 --separate-stderr pid1_run "$PID1_HELPERS/orphans" 200
	assert_output "orphaned 200"
}

@test "not PID 1, it becomes a subreaper: orphans are adopted and reaped by pid1" {
	run -0 --separate-stderr pid1_run_plain -v -v sh -c "$ADOPT"
	assert_output "$(printf 'adopted\nreaped')"
	[[ $stderr == *subreaper* ]] || fail "no word of the subreaper on stderr: $stderr"
}

@test "-s makes it a subreaper even as PID 1" {
	run -0 --separate-stderr pid1_run -s -v -v sh -c "$ADOPT"
	assert_output "$(printf 'adopted\nreaped')"
	[[ $stderr == *subreaper* ]] || fail "no word of the subreaper on stderr: $stderr"
}
