#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The source tree keeps its promises: required files, file headers, and each system call
# in the one module that owns it, so a newcomer finds every concern in one place.
bats_require_minimum_version 1.5.0
load lib/pid1

# The code of FILE without its comments, so prose about fork() or kill() does not count.
code_of() {
	cpp -fpreprocessed -dD -P -w "$1" 2>/dev/null || cat "$1"
}

# files_using REGEX: the files of src/ whose code matches the extended REGEX, one a line.
files_using() {
	local f
	for f in "$PID1_SRCDIR"/src/*.[ch] "$PID1_SRCDIR"/src/*/*.[ch]; do
		if code_of "$f" | grep -qE -- "$1"; then
			echo "${f#"$PID1_SRCDIR"/}"
		fi
	done
}

# only_in FILE...: every line of $output names one of the FILEs.
only_in() {
	local f
	for f in "${lines[@]}"; do
		[[ " $* " == *" $f "* ]] || fail "$f: not one of $*"
	done
}

@test "the tree has the required top-level entries" {
	local entry
	for entry in configure.ac Makefile.am src etc tests man systemd README.md .ci/run; do
		[ -e "$PID1_SRCDIR/$entry" ] || fail "missing: $entry"
	done
	[ -x "$PID1_SRCDIR/.ci/run" ] || fail ".ci/run is not executable"
}

@test "every source file starts with the SPDX line and includes config.h first" {
	local f first
	for f in "$PID1_SRCDIR"/src/*.c "$PID1_SRCDIR"/src/*/*.c; do
		head -n 1 "$f" | grep -qE '^(//|/\*) SPDX-License-Identifier: ' ||
			fail "${f##*/}: first line is not an SPDX line"
		first=$(grep -m 1 -E '^[[:space:]]*#[[:space:]]*include' "$f")
		[ "$first" = '#include "config.h"' ] ||
			fail "${f##*/}: first include is '$first', not config.h"
	done
}

# conf/confparse.c holds the schema, the checks it runs and the copy of the parsed tree.
@test "libconfuse is used only in conf/confparse.c" {
	run -0 files_using '#[[:space:]]*include[[:space:]]*<confuse\.h>'
	assert_line "src/conf/confparse.c"
	only_in src/conf/confparse.c
}

@test "fork and exec happen only in core/child.c" {
	run -0 files_using '\b(v?fork|clone3?|exec(l|lp|le|v|vp|vpe|ve)|fexecve|posix_spawnp?)[[:space:]]*\('
	assert_output "src/core/child.c"
}

@test "waitpid is called only in supervisor/target.c" {
	run -0 files_using '\b(waitpid|waitid|wait3|wait4|wait)[[:space:]]*\('
	assert_output "src/supervisor/target.c"
}

@test "kill is called only in supervisor/target.c" {
	run -0 files_using '\b(kill|killpg|tgkill|sigqueue|pidfd_send_signal)[[:space:]]*\('
	assert_output "src/supervisor/target.c"
}

# The loop's signal side (the handler, the mask, the self-pipe) is core/loop.c, beside the wait.
@test "sigaction is used only in core/loop.c" {
	run -0 files_using '\bsigaction\b|\bsignal[[:space:]]*\('
	assert_output "src/core/loop.c"
}

# core/fdsink.c peeks at what others queued, to see fds without taking them.
@test "sd_notify messages are read only in readiness/notifysocket.c, each sender's credentials checked" {
	run -0 files_using '\bSCM_CREDENTIALS\b'
	assert_output "src/readiness/notifysocket.c"
	run -0 files_using '\brecvmsg[[:space:]]*\('
	only_in src/readiness/notifysocket.c src/core/fdsink.c
}

@test "syslog is used only in core/log.c" {
	# core/log.c may write its own datagrams to /dev/log instead of calling syslog(3).
	run -0 files_using '\b(openlog|v?syslog|closelog|setlogmask)[[:space:]]*\(|"/dev/log"'
	only_in src/core/log.c
}

# A socket file is created only inside the checked runtime directory, through its fd;
# readiness/notifysocket.c binds an abstract socket, which has no file.
@test "bind is called only in sys/rundir.c and readiness/notifysocket.c" {
	run -0 files_using '\bbind[[:space:]]*\('
	assert_line "src/sys/rundir.c"
	only_in src/sys/rundir.c src/readiness/notifysocket.c
}

# The folders of src/ from the ground up: a file includes its own folder's headers and
# those of the folders below it, never one above, so the layering src/README.md draws holds.
FOLDERS=(sys core conf output state readiness supervisor control)

folder_rank() {
	local i
	for i in "${!FOLDERS[@]}"; do
		[ "${FOLDERS[i]}" = "$1" ] && echo "$i" && return
	done
	echo 99
}

@test "every folder of src/ includes only itself and the folders below it" {
	local f dir inc rank
	for f in "$PID1_SRCDIR"/src/*/*.[ch]; do
		dir=${f%/*}
		dir=${dir##*/}
		rank=$(folder_rank "$dir")
		[ "$rank" != 99 ] || fail "src/$dir: a folder src/README.md does not name"
		while read -r inc; do
			[ "$(folder_rank "$inc")" -le "$rank" ] ||
				fail "${f#"$PID1_SRCDIR"/}: includes $inc/, above $dir/"
		done < <(sed -n 's|^#include "\([a-z]*\)/.*|\1|p' "$f")
	done
}
