#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The manual pages: mandoc -Tlint has nothing to say about either, and pid1.8 keeps up with
# the program: every option that `pid1 --help` prints has an entry in OPTIONS, the SYNOPSIS
# reads like the usage text, and EXIT STATUS lists the codes pid1 defines for itself.

bats_require_minimum_version 1.5.0
load lib/pid1

setup() {
	MANDOC=${MANDOC:-mandoc}
	command -v "$MANDOC" >/dev/null ||
		skip_or_fail "mandoc is not installed (Debian: apt-get install mandoc)"
	PAGE8=$PID1_SRCDIR/man/pid1.8
	PAGE5=$PID1_SRCDIR/man/pid1.conf.5
}

# lint PAGE: mandoc -Tlint's messages, less two that say nothing about the page: that
# pid1's own pages are not installed yet (it looks only in the system's manual tree), and
# that the machine's mandoc.db is out of date.
lint() {
	"$MANDOC" -Tlint "$1" 2>&1 |
		grep -v -e 'referenced manual not found: Xr pid1 8' \
			-e 'referenced manual not found: Xr pid1.conf 5' \
			-e 'outdated mandoc.db' || true
}

# section FILE NAME: the mdoc source lines of one section (.Sh NAME up to the next .Sh).
section() {
	awk -v want=".Sh $2" '/^\.Sh / { inside = ($0 == want); next } inside' "$1"
}

# rendered FILE: the page as plain text, one long line per paragraph.
rendered() {
	"$MANDOC" -Tascii -O width=1000 "$1" | sed 's/.\x08//g'
}

@test "pid1.8 is mandoc -Tlint clean" {
	[ -s "$PAGE8" ] || fail "$PAGE8 is missing or empty"
	run lint "$PAGE8"
	assert_output ''
}

@test "pid1.conf.5 is mandoc -Tlint clean" {
	[ -s "$PAGE5" ] || fail "$PAGE5 is missing or empty"
	run lint "$PAGE5"
	assert_output ''
}

@test "pid1.8 has the sections a reader looks for" {
	local name
	for name in NAME SYNOPSIS DESCRIPTION OPTIONS SIGNALS SHUTDOWN ENVIRONMENT FILES \
		'EXIT STATUS' EXAMPLES 'SEE ALSO'; do
		grep -qxF ".Sh $name" "$PAGE8" || fail "pid1.8 has no $name section"
	done
}

@test "every long option pid1 --help prints has an entry in OPTIONS of pid1.8" {
	local opt items
	run -0 "$PID1" --help
	local -a opts
	mapfile -t opts < <(grep -oE -- '--[a-z][a-z-]*' <<<"$output" | sort -u)
	[ "${#opts[@]}" -ge 10 ] || fail "found only ${#opts[@]} long options in: $output"
	items=$(section "$PAGE8" OPTIONS | grep '^\.It ')
	for opt in "${opts[@]}"; do
		# In mdoc a long option is written `Fl -name`.
		grep -qE -- "Fl -${opt#--}( |$)" <<<"$items" ||
			fail "pid1 --help prints $opt, but OPTIONS in pid1.8 has no entry for it"
	done
}

@test "every short option pid1 --help prints has an entry in OPTIONS of pid1.8" {
	local opt items
	run -0 "$PID1" --help
	local -a opts
	mapfile -t opts < <(grep -oE -- '(^|[ ;])-[a-zA-Z],' <<<"$output" | tr -d ' ;,' | sort -u)
	[ "${#opts[@]}" -ge 10 ] || fail "found only ${#opts[@]} short options in: $output"
	items=$(section "$PAGE8" OPTIONS | grep '^\.It ')
	for opt in "${opts[@]}"; do
		grep -qE -- "^\.It Fl ${opt#-}( |$)" <<<"$items" ||
			fail "pid1 --help prints $opt, but OPTIONS in pid1.8 has no entry for it"
	done
}

@test "the SYNOPSIS of pid1.8 reads like the usage text of pid1 --help" {
	local usage synopsis
	run -0 "$PID1" --help
	# The usage lines run up to the first blank line.
	usage=$(sed -e '/^$/,$d' -e 's/^usage: //' <<<"$output" | tr -s ' \n' '  ')
	synopsis=$(rendered "$PAGE8" | sed -n '/^SYNOPSIS$/,/^[A-Z]/{/^ /p}' | tr -s ' \n' '  ')
	[ "${synopsis# }" = "${usage# }" ] ||
		fail "SYNOPSIS: '${synopsis# }' differs from usage: '${usage# }'"
}

@test "EXIT STATUS of pid1.8 lists every exit code pid1 defines for itself" {
	local code items
	items=$(section "$PAGE8" 'EXIT STATUS' | grep '^\.It ')
	local -a codes
	mapfile -t codes < <(sed -n 's/^#define[[:space:]]*EXIT_[A-Z_]*[[:space:]]*\([0-9]*\).*/\1/p' \
		"$PID1_SRCDIR/src/core/child.h")
	[ "${#codes[@]}" -ge 4 ] || fail "found only ${#codes[@]} exit codes in child.h"
	for code in "${codes[@]}"; do
		grep -qxF ".It $code" <<<"$items" || fail "EXIT STATUS does not list $code"
	done
	grep -qF '128 +' <<<"$items" || fail "EXIT STATUS does not explain 128 + N"
}
