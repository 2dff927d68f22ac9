#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The static musl build for arm64, as the real PID 1 of a fresh PID namespace: on an arm64
# machine as it is, elsewhere under qemu-user (PID1_WRAPPER=qemu-aarch64-static). Run by CI's
# arm64 stage with PID1 naming that build; the rest of the suite proves the behaviour, this
# proves the cross build does it too.
# shellcheck disable=SC2016,SC2154 # sh -c scripts are single-quoted; bats sets $stderr
bats_require_minimum_version 1.5.0
load ../lib/pid1

setup() {
	run -0 file -L "$PID1"
	[[ $output == *"ARM aarch64"* && $output == *"statically linked"* ]] ||
		fail "$PID1 is not a static arm64 build: $output"
}

@test "arm64: --version" {
	# shellcheck disable=SC2086 # PID1_WRAPPER is a word list on purpose
	run -0 $PID1_WRAPPER "$PID1" --version
	assert_output --regexp '^pid1 version [0-9]'
}

@test "arm64: pid1 is PID 1 and passes the child's exit code on" {
	run -7 --separate-stderr pid1_run -- sh -c 'tr "\0" " " </proc/1/cmdline >&2; exit 7'
	assert_output ""
	[[ $stderr == *"$PID1 -- sh -c"* ]] || fail "PID 1 is not pid1: $stderr"
	[[ $stderr == *"pid1[1]: notice: exiting with code 7"* ]] || fail "$stderr"
}

@test "arm64: a signal sent to pid1 reaches the child" {
	pid1_start -- sh -c 'trap "exit 42" USR1; echo ready >"$1"; while :; do sleep 0.1; done' \
		sh "$BATS_TEST_TMPDIR/ready"
	wait_until file_has "$BATS_TEST_TMPDIR/ready" ready
	send_to_pid1 USR1
	pid1_wait
	assert_equal "$status" 42
}

@test "arm64: an orphan is reaped" {
	# The orphan's pid stays in /proc, a zombie, until PID 1 reaps it.
	run -0 pid1_run -- sh -c '(sleep 0.2 & echo $! >"$1"); p=$(cat "$1"); i=0
		while [ -e /proc/"$p" ]; do
			i=$((i + 1)); [ "$i" -lt 400 ] || exit 1; sleep 0.05
		done' sh "$BATS_TEST_TMPDIR/orphan"
}

@test "arm64: the shipped config is the defaults; a NUL byte in a comment is refused on its line" {
	local conf=$BATS_TEST_TMPDIR/pid1.conf want
	: >"$conf"
	# shellcheck disable=SC2086 # PID1_WRAPPER is a word list on purpose
	want=$($PID1_WRAPPER "$PID1" -n -c "$conf" | grep -v '^#')
	# shellcheck disable=SC2086
	run -0 $PID1_WRAPPER "$PID1" -n -c "$PID1_SRCDIR/etc/pid1.conf"
	assert_equal "$(grep -v '^#' <<<"$output")" "$want"
	# A NUL byte past the first word of a comment, found by the comment reader on this CPU.
	printf '# one\n# %*s\0\n' 21 "" >"$conf"
	# shellcheck disable=SC2086
	run -2 --separate-stderr $PID1_WRAPPER "$PID1" -n -c "$conf"
	assert_regex "$stderr" " err: $conf:2: NUL byte: not a text file\$"
}
