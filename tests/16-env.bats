#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# A program's environment from files: env-file (systemd's EnvironmentFile= syntax), env-dir
# (s6-envdir's), file-env (NAME from NAME_FILE, as Docker's official images), at the top level
# and per program, read again at each start. A bad or refused file keeps its program from
# starting and says where; a FIFO in a file's place does not hold pid1; no value ever reaches
# pid1's log. pid1 runs as the real PID 1 of a fresh PID namespace.
# shellcheck disable=SC2016,SC2154 # sh -c scripts are single-quoted; bats sets $stderr

bats_require_minimum_version 1.5.0
load lib/pid1

setup() {
	unset PID1_CONFIG
	S=$BATS_TEST_TMPDIR
	CONF=$S/pid1.conf
	export PID1_RUNTIME_DIR="$S/run"
	# show OUT VAR...: writes "VAR=[value]" (or "VAR unset") for each VAR to OUT.
	cat >"$S/show" <<-'EOF'
		#!/bin/sh
		out=$1
		shift
		for v in "$@"; do
			if eval "[ -n \"\${$v+x}\" ]"; then
				eval "printf '%s=[%s]\n' \"\$v\" \"\$$v\""
			else
				echo "$v unset"
			fi
		done >"$out.tmp" && mv "$out.tmp" "$out"
	EOF
	chmod +x "$S/show"
}

teardown() {
	if [ -n "${PID1_PID:-}" ] && kill -0 "$PID1_PID" 2>/dev/null; then
		kill -KILL "$PID1_PID" 2>/dev/null || true
	fi
}

# show_cmd VAR...: the config's command list that runs show for those variables.
show_cmd() {
	printf '{ "%s", "%s"' "$S/show" "$S/seen"
	printf ', "%s"' "$@"
	printf ' }'
}

@test "env-file: comments, blank lines, quotes, escapes, export and a missing optional file" {
	cat >"$S/app.env" <<-'EOF'
		# a comment
		; another

		export PLAIN=two words   
		SPACED = "  kept  "
		DQ="say \"hi\" \$HOME \n \\"
		SQ='no $escapes \n here'
		ESC=trail\ 
		MULTI="one
		two"
		CONT=con\
		tinued
	EOF
	write_conf <<-EOF
		env-file = { "$S/app.env", "-$S/absent.env" }
	EOF
	run -0 pid1_run -c "$CONF" -- "$S/show" "$S/seen" PLAIN SPACED DQ SQ ESC MULTI CONT
	run cat "$S/seen"
	assert_line 'PLAIN=[two words]'
	assert_line 'SPACED=[  kept  ]'
	assert_line 'DQ=[say "hi" $HOME \n \]'
	assert_line 'SQ=[no $escapes \n here]'
	assert_line 'ESC=[trail ]'
	assert_line 'MULTI=[one'
	assert_line 'two]'
	assert_line 'CONT=[continued]'
}

@test "env-file: a missing file without '-' is an error, and the command does not run" {
	write_conf <<-EOF
		env-file = { "$S/absent.env" }
	EOF
	run -1 pid1_run -c "$CONF" -- sh -c 'echo ran >"$0"' "$S/ran"
	assert_output --partial "cannot open $S/absent.env"
	[ ! -e "$S/ran" ]
}

@test "a bad line names file:line, and its program does not start" {
	printf 'GOOD=1\n\nBAD LINE\n' >"$S/bad.env"
	write_conf <<-EOF
		program bad { command = { "sh", "-c", "echo ran >$S/ran" } env-file = { "$S/bad.env" } }
		program keep { command = { "sleep", "1000" } }
	EOF
	run -1 pid1_run -c "$CONF"
	assert_output --partial "cannot start bad: $S/bad.env:3: not NAME=value"
	[ ! -e "$S/ran" ]
}

@test "a file gone bad before a restart: the restart fails, ctl status says so, pid1 goes on" {
	echo 'A=1' >"$S/a.env"
	write_conf <<-EOF
		restart { delay = 200ms max-delay = 200ms }
		program flaky {
			command = { "sh", "-c", "echo \$A >>$S/runs; sleep 0.2" }
			env-file = { "$S/a.env" }
			restart = always
		}
		program keep { command = { "sleep", "1000" } }
	EOF
	pid1_start -c "$CONF"
	wait_until grep -qx 1 "$S/runs"
	printf 'A=2\nA B\n' >"$S/a.env"
	wait_until log_has "cannot start flaky: $S/a.env:2: "
	wait_until test "$(field_of flaky 2)" = backoff
	[ "$(field_of keep 2)" = running ]
	echo 'A=3' >"$S/a.env"
	wait_until grep -qx 3 "$S/runs"
	run ! grep -qx 2 "$S/runs"
	run -0 "$PID1" ctl shutdown
	pid1_wait
}

@test "env-file: an unclosed quote names the line it opens on" {
	printf 'A=1\nB="open\nC=3\n' >"$S/bad.env"
	write_conf <<-EOF
		env-file = { "$S/bad.env" }
	EOF
	run -1 pid1_run -c "$CONF" -- true
	assert_output --partial "$S/bad.env:2: no closing quote"
}

@test "env-dir: one file per variable, its first line, trailing blanks cut, NUL as newline" {
	mkdir "$S/envd"
	printf 'first line  \t\nsecond line\n' >"$S/envd/ONE"
	printf 'a\0b' >"$S/envd/TWO"
	: >"$S/envd/GONE"
	echo hidden >"$S/envd/.HIDDEN"
	write_conf <<-EOF
		env-dir = "$S/envd"
	EOF
	GONE=inherited run -0 pid1_run -c "$CONF" -- "$S/show" "$S/seen" ONE TWO GONE
	run cat "$S/seen"
	assert_line 'ONE=[first line]'
	assert_line 'TWO=[a'
	assert_line 'b]'
	assert_line 'GONE unset'
}

@test "file-env: NAME from the file NAME_FILE names, NAME_FILE removed; both set is an error" {
	printf 's3cret\n\n' >"$S/pw"
	write_conf <<-EOF
		file-env = { "DB_PASSWORD", "UNUSED" }
	EOF
	DB_PASSWORD_FILE=$S/pw run -0 pid1_run -c "$CONF" -- "$S/show" "$S/seen" DB_PASSWORD \
		DB_PASSWORD_FILE UNUSED
	run cat "$S/seen"
	assert_line 'DB_PASSWORD=[s3cret]'
	assert_line 'DB_PASSWORD_FILE unset'
	assert_line 'UNUSED unset'
	rm "$S/seen"
	DB_PASSWORD_FILE=$S/pw DB_PASSWORD=x run -1 pid1_run -c "$CONF" -- "$S/show" "$S/seen"
	assert_output --partial 'both DB_PASSWORD and DB_PASSWORD_FILE are set'
	[ ! -e "$S/seen" ]
}

@test "precedence: top-level files, then env, then the program's files, then file-env" {
	printf 'A=top\nB=top\nC=top\nD=top\n' >"$S/top.env"
	printf 'C=prog\nD_FILE=%s\n' "$S/d" >"$S/prog.env"
	echo fromfile >"$S/d"
	write_conf <<-EOF
		env-file = { "$S/top.env" }
		file-env = { "D" }
		program show {
			command = $(show_cmd A B C D D_FILE)
			essential = true
			env = { "B=env", "C=env", "D=" }
			env-file = { "$S/prog.env" }
		}
	EOF
	run -0 pid1_run -c "$CONF"
	run cat "$S/seen"
	assert_line 'A=[top]'
	assert_line 'B=[env]'
	assert_line 'C=[prog]'
	assert_line 'D=[fromfile]'
	assert_line 'D_FILE unset'
}

@test "a restart reads the files again: a rotated secret reaches the next start" {
	echo 'TOKEN=one' >"$S/t.env"
	write_conf <<-EOF
		restart { delay = 100ms }
		program show {
			command = { "sh", "-c", "echo \$TOKEN >>$S/tokens; sleep 0.2" }
			env-file = { "$S/t.env" }
			restart = always
		}
	EOF
	pid1_start -c "$CONF"
	wait_until grep -qx one "$S/tokens"
	echo 'TOKEN=two' >"$S/t.env.new"
	mv "$S/t.env.new" "$S/t.env"
	wait_until grep -qx two "$S/tokens"
	run -0 "$PID1" ctl shutdown
	pid1_wait
}

@test "a FIFO in an env-file's place is refused without holding pid1" {
	mkfifo "$S/fifo.env"
	write_conf <<-EOF
		env-file = { "-$S/fifo.env" }
	EOF
	run -1 pid1_run -c "$CONF" -- true
	assert_output --partial "cannot start main: $S/fifo.env: not a regular file"
	# The same for file-env's file and for env-dir.
	write_conf <<-EOF
		file-env = { "DB" }
		env-dir = "$S/fifo.env"
	EOF
	run -1 pid1_run -c "$CONF" -- true
	assert_output --partial "cannot open $S/fifo.env: Not a directory"
	write_conf <<-EOF
		file-env = { "DB" }
	EOF
	DB_FILE=$S/fifo.env run -1 pid1_run -c "$CONF" -- true
	assert_output --partial "cannot start main: $S/fifo.env: not a regular file"
}

@test "no value from a file reaches pid1's log, even at -v -v and on errors" {
	printf 'SECRET=hunter2-in-file\nOTHER="hunter2-quoted" trailing\n' >"$S/s.env"
	printf 'hunter2-from-file-env\n' >"$S/pw"
	mkdir "$S/envd"
	printf 'hunter2-in-dir\n' >"$S/envd/DIRSECRET"
	write_conf <<-EOF
		program bad { command = { "true" } env-file = { "$S/s.env" } }
		program good {
			command = { "sh", "-c", "test -n \"\$PW\" && test -n \"\$DIRSECRET\"" }
			env-dir = "$S/envd"
			file-env = { "PW" }
			env = { "PW_FILE=$S/pw" }
			type = oneshot
		}
	EOF
	run pid1_run -v -v -c "$CONF"
	assert_output --partial "$S/s.env:2: text after the closing quote"
	assert_output --partial "good"
	refute_output --partial hunter2
}

@test "as root, an env-file another user can change is refused" {
	[ "$(id -u)" = 0 ] || skip_or_fail "needs root"
	echo 'A=1' >"$S/other.env"
	chown nobody "$S/other.env"
	write_conf <<-EOF
		env-file = { "$S/other.env" }
	EOF
	run -1 pid1_run -c "$CONF" -- sh -c 'echo ran >"$0"' "$S/ran"
	assert_output --partial "$S/other.env: must be owned by root and not writable by group or others"
	[ ! -e "$S/ran" ]
	chown root "$S/other.env"
	chmod g+w "$S/other.env"
	run -1 pid1_run -c "$CONF" -- true
	assert_output --partial "must be owned by root"
}

@test "-n prints env-file, env-dir and file-env, and the printed config loads back" {
	write_conf <<-EOF
		env-file = { "/etc/app/env", "-/run/secrets/optional.env" }
		env-dir = "-/run/env"
		file-env = { "DB_PASSWORD" }
		program web { command = { "true" } env-file = { "/etc/web.env" } file-env = { "KEY" } }
	EOF
	run -0 --separate-stderr pid1_run -n -c "$CONF"
	assert_line 'env-file = { "/etc/app/env", "-/run/secrets/optional.env" }'
	assert_line 'env-dir = "-/run/env"'
	assert_line 'file-env = { "DB_PASSWORD" }'
	assert_line '	env-file = { "/etc/web.env" }'
	assert_line '	file-env = { "KEY" }'
	refute_line --partial '	env-dir'
	echo "$output" >"$S/printed.conf"
	run -0 --separate-stderr pid1_run -n -c "$S/printed.conf"
	[ "$output" = "$(cat "$S/printed.conf")" ]
}

@test "env-file and env-dir take absolute paths, file-env variable names" {
	echo 'env-file = { "relative.env" }' >"$CONF"
	run -2 pid1_run -n -c "$CONF"
	assert_output --partial "option 'env-file' takes an absolute path"
	echo 'env-dir = "-"' >"$CONF"
	run -2 pid1_run -n -c "$CONF"
	assert_output --partial "option 'env-dir' takes an absolute path"
	echo 'file-env = { "1BAD" }' >"$CONF"
	run -2 pid1_run -n -c "$CONF"
	assert_output --partial "invalid variable name '1BAD' for option 'file-env'"
}

@test "the example in examples/env.conf runs: an env-file, a secret from a file, an export" {
	ex=$S/example
	mkdir "$ex"
	sed "s|/tmp/pid1-example|$ex|g" "$PID1_SRCDIR/examples/env.conf" >"$CONF"
	printf 'GREETING="hello, world"\n' >"$ex/app.env"
	echo s3cret >"$ex/db-password"
	run -0 pid1_run -c "$CONF"
	run cat "$ex/log"
	assert_output "hello, world, the password is set, on $(uname -s)"
}

@test "export-env: a oneshot's lines reach what comes after it, through others, and no more" {
	write_conf <<-EOF
		program init {
			command = { "sh", "-c", "echo DB_HOST=db.internal >&4; echo 'Q=\"a b\"' >&4; echo TOP=over >&4" }
			type = oneshot
			export-env = fd:4
		}
		program mid { command = { "true" } type = oneshot after = { init } }
		program show {
			command = $(show_cmd DB_HOST Q TOP OWN)
			after = { mid }
			type = oneshot
			env = { "OWN=own" }
		}
		program other {
			command = { "sh", "-c", "echo \"[\$DB_HOST]\" >$S/other" }
			type = oneshot
		}
		program top { command = { "sh", "-c", "echo \$TOP \$KEPT >$S/top" } after = { init } type = oneshot }
		program end { command = { "true" } type = oneshot essential = true after = { show, other, top } }
		env = { "TOP=top-level", "KEPT=kept" }
	EOF
	run -0 pid1_run -c "$CONF"
	run cat "$S/seen"
	assert_line 'DB_HOST=[db.internal]'
	assert_line 'Q=[a b]'
	assert_line 'TOP=[over]'
	assert_line 'OWN=[own]'
	run cat "$S/other"
	assert_output '[]'
	run cat "$S/top"
	assert_output 'over kept'
}

@test "export-env: more than 64 KiB, or a bad line, fails the oneshot and names the line" {
	write_conf <<-EOF
		program init {
			command = { "sh", "-c", "head -c 70000 /dev/zero | tr '\\\\\\\\0' x >&4" }
			type = oneshot
			export-env = fd:4
		}
		program later { command = { "touch", "$S/ran" } after = { init } type = oneshot }
	EOF
	run pid1_run -c "$CONF"
	[ "$status" -ne 0 ]
	assert_output --partial 'wrote more than 64 KiB to its export-env fd: nothing is taken from it'
	[ ! -e "$S/ran" ]
	write_conf <<-EOF
		program init {
			command = { "sh", "-c", "echo A=1 >&4; echo 'B hunter2' >&4" }
			type = oneshot
			export-env = fd:4
		}
		program later { command = { "touch", "$S/ran" } after = { init } type = oneshot }
	EOF
	run -1 pid1_run -v -v -c "$CONF"
	assert_output --partial 'init: export-env line 2: not NAME=value: nothing taken'
	refute_output --partial hunter2
	[ ! -e "$S/ran" ]
}

@test "export-env: what a oneshot leaves holding the pipe does not hold pid1" {
	write_conf <<-EOF
		program init {
			command = { "sh", "-c", "echo A=1 >&4; sleep 1000 & exit 0" }
			type = oneshot
			export-env = fd:4
		}
		program show { command = $(show_cmd A) after = { init } type = oneshot essential = true }
	EOF
	run -0 pid1_run -c "$CONF"
	run cat "$S/seen"
	assert_output 'A=[1]'
}

@test "export-env is for oneshots at start-up, as fd:N, and -n prints it" {
	echo 'program a { command = { "true" } export-env = fd:4 }' >"$CONF"
	run -2 pid1_run -n -c "$CONF"
	assert_output --partial "program 'a' has export-env but is not a oneshot at start-up"
	echo 'program a { command = { "true" } type = oneshot export-env = 4 }' >"$CONF"
	run -2 pid1_run -n -c "$CONF"
	assert_output --partial "bad value '4' for option 'export-env' (fd:N with N 3..999)"
	write_conf <<-EOF
		program a { command = { "true" } type = oneshot export-env = fd:5 }
	EOF
	run -0 pid1_run -n -c "$CONF"
	assert_line '	export-env = fd:5'
}
