#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Exit status: the child's code, 128+N when a signal killed it, 126/127 when it could not be
# run (with one line saying why), and -e remaps.
bats_require_minimum_version 1.5.0
load lib/pid1

setup() {
	unset PID1_CONFIG
}

# matching_lines TEXT REGEX: how many lines of $stderr contain TEXT and match the
# case-insensitive extended REGEX.
matching_lines() {
	# shellcheck disable=SC2154 # run --separate-stderr sets it
	grep -F -- "$1" <<<"$stderr" | grep -ciE -- "$2" || true
}

@test "exits 0 when the child exits 0" {
	run -0 pid1_run true
}

@test "exits with the child's code: 3" {
	run -3 pid1_run sh -c 'exit 3'
}

@test "exits with the child's code: 255" {
	run -255 pid1_run sh -c 'exit 255'
}

@test "exits 137 when SIGKILL killed the child" {
	run -137 pid1_run sh -c 'kill -KILL $$'
}

@test "exits 143 when SIGTERM killed the child" {
	run -143 pid1_run sh -c 'kill -TERM $$'
}

@test "exits 127 with one line naming a command that does not exist" {
	run -127 --separate-stderr pid1_run no-such-command-4711 arg
	assert_output ""
	[ "$(matching_lines no-such-command-4711 'no such file|not found')" = 1 ] ||
		fail "no single error line naming the command: $stderr"
}

@test "exits 127 for a missing absolute path" {
	run -127 --separate-stderr pid1_run "$BATS_TEST_TMPDIR/missing"
	assert_output ""
	[ "$(matching_lines "$BATS_TEST_TMPDIR/missing" 'no such file|not found')" = 1 ] ||
		fail "no single error line naming the path: $stderr"
}

@test "exits 126 with the reason for a file that is not executable" {
	local f=$BATS_TEST_TMPDIR/script
	printf '#!/bin/sh\necho should not run\n' >"$f"
	chmod 644 "$f"
	run -126 --separate-stderr pid1_run "$f"
	assert_output ""
	[ "$(matching_lines "$f" 'permission denied')" = 1 ] ||
		fail "no single error line naming the file and the reason: $stderr"
}

@test "exits 126 for a directory" {
	run -126 --separate-stderr pid1_run "$BATS_TEST_TMPDIR"
	assert_output ""
	[ "$(matching_lines "$BATS_TEST_TMPDIR" 'permission denied|is a directory')" = 1 ] ||
		fail "no single error line naming the directory and the reason: $stderr"
}

@test "-e 143 reports the child's 143 as 0, and leaves other codes alone" {
	run -0 pid1_run -e 143 sh -c 'kill -TERM $$'
	run -3 pid1_run -e 143 sh -c 'exit 3'
}

@test "exits with the child's code when it is not PID 1 either" {
	run -3 pid1_run_plain sh -c 'exit 3'
	run -137 pid1_run_plain sh -c 'kill -KILL $$'
}
