#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The command line: usage, -h, -V, where option parsing stops, and what the command is
# given: its arguments, stdin, and exactly the fds pid1 was given, nothing of its own.
bats_require_minimum_version 1.5.0
load lib/pid1

setup() {
	unset PID1_CONFIG
}

# The version configure.ac gives AC_INIT.
package_version() {
	sed -n 's/^AC_INIT(\[pid1\], *\[\([^]]*\)\].*/\1/p' "$PID1_SRCDIR/configure.ac"
}

@test "without a command it prints usage on stderr and exits 2" {
	run -2 --separate-stderr "$PID1"
	assert_output ""
	[[ ${stderr,,} == *usage* ]] || fail "no usage on stderr: $stderr"
}

@test "an unknown option exits 2 with a message on stderr" {
	run -2 --separate-stderr "$PID1" --no-such-option true
	assert_output ""
	[ -n "$stderr" ] || fail "nothing on stderr"
	run -2 --separate-stderr "$PID1" -Z true
	assert_output ""
	[ -n "$stderr" ] || fail "nothing on stderr"
}

@test "-h prints usage and exits 0" {
	run -0 "$PID1" -h
	[[ ${output,,} == *usage* ]] || fail "no usage: $output"
	assert_output --partial "pid1"
}

@test "-V prints the version and commit in tini's shape, which dockerd parses, and exits 0" {
	local version
	version=$(package_version)
	[ -n "$version" ] || fail "no version in configure.ac"
	run -0 --separate-stderr "$PID1" -V
	# dockerd splits at " - " and takes what follows "git." when no dot is in it.
	assert_output --regexp "^pid1 version ${version//./\\.} - git\.([0-9a-f]+|unknown)\$"
	run -0 --separate-stderr "$PID1" --version
	assert_output --regexp "^pid1 version ${version//./\\.} - git\.([0-9a-f]+|unknown)\$"
}

@test "option parsing stops at the command: pid1 ls -l -d / runs ls -l -d /" {
	local want
	want=$(ls -l -d /)
	run -0 --separate-stderr pid1_run ls -l -d /
	assert_output "$want"
}

@test "options after the command go to the command unchanged" {
	run -0 --separate-stderr pid1_run printf '%s\n' -v -h -- -x
	assert_output "$(printf '%s\n' -v -h -- -x)"
}

@test "-- ends the options" {
	run -0 --separate-stderr pid1_run -- printf '%s\n' -- -V
	assert_output "$(printf '%s\n' -- -V)"
	run -0 --separate-stderr pid1_run -v -- printf '%s\n' ok
	assert_output "ok"
}

@test "arguments reach the command byte for byte" {
	run -0 --separate-stderr pid1_run printf '<%s>\n' 'a b' '' "c'd" "\$HOME" '*'
	assert_output "$(printf '<%s>\n' 'a b' '' "c'd" "\$HOME" '*')"
}

@test "stdin reaches the command" {
	feed() {
		printf 'line one\nline two\n' | pid1_run cat
	}
	run -0 --separate-stderr feed
	assert_output "$(printf 'line one\nline two\n')"
}

@test "pid1 writes nothing to stdout, even at debug level" {
	run -0 --separate-stderr pid1_run -v -v echo hello
	assert_output "hello"
	[ -n "$stderr" ] || fail "nothing logged at debug level"
}

@test "the command gets exactly fds 0 1 2 when pid1 got only those" {
	run -0 --separate-stderr close_fds_above 2 pid1_run -v -v "$PID1_HELPERS/inherit"
	assert_line "fds: 0 1 2"
}

@test "the command gets the extra fds pid1 was given, and none of pid1's own" {
	with_fd3() {
		pid1_run -v -v "$PID1_HELPERS/inherit" 3<"$PID1_SRCDIR/configure.ac"
	}
	run -0 --separate-stderr close_fds_above 2 with_fd3
	assert_line "fds: 0 1 2 3"
}

@test "-p refuses the signals the C library keeps for itself, which pid1 cannot catch" {
	# glibc's 32 and 33: pid1 would never learn that its parent died.
	local marker=$BATS_TEST_TMPDIR/marker sig
	for sig in 32 SIG33 sig32; do
		run -2 "$PID1" -p "$sig" -- touch "$marker"
		assert_equal "$(unlog "${lines[0]}")" \
			"err: -p '$sig': signal ${sig//[^0-9]/} is reserved by the C library and pid1 cannot catch it"
	done
	assert [ ! -e "$marker" ]
	# The first signal the C library leaves to programs is fine.
	run -0 "$PID1" -n -p RTMIN
	assert_line 'parent-death-signal = SIGRTMIN'
}

@test "pid1.8 lists each tini variable pid1 reads, and TINI_VERBOSITY is not read" {
	local page=$PID1_SRCDIR/man/pid1.8 name
	local -a names
	mapfile -t names < <(grep -o 'TINI_[A-Z][A-Z_]*' "$PID1_SRCDIR/src/conf/cli.c" | sort -u)
	[ "${#names[@]}" -ge 2 ] || fail "found only ${#names[@]} TINI_ variables in cli.c"
	for name in "${names[@]}"; do
		grep -qxF ".It Ev $name" "$page" || fail "pid1 reads $name, but pid1.8 has no entry for it"
	done
	run grep -c "does not read tini's environment variables" "$page"
	assert_output 0
	# tini's levels are not pid1's: the level stays at its default.
	TINI_VERBOSITY=3 run -0 "$PID1" -n
	assert_line $'\tlevel = notice'
}
