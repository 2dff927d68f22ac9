#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Labelled output (output = prefix): each program's stdout and stderr reach pid1's own,
# a whole line at a time with "NAME: " in front; lines never mix, a long line is cut at the
# limit, the last line is written at the end, and a slow or stuck reader of pid1's output
# holds the programs back instead of pid1's memory or its loop. pid1 runs as the real PID 1
# of a fresh PID namespace.
# shellcheck disable=SC2016,SC2154 # sh -c scripts are single-quoted; bats sets $output

bats_require_minimum_version 1.5.0
load lib/pid1

setup() {
	unset PID1_CONFIG
	S=$BATS_TEST_TMPDIR
	CONF=$S/pid1.conf
}

# start_into OUT ARGS...: pid1_start, with pid1's stdout going to OUT (a file or a FIFO).
start_into() {
	PID1_STDOUT=$1 pid1_start "${@:2}"
}

# descendant_named NAME: the first descendant of pid1 whose command is NAME.
descendant_named() {
	local p
	for p in $(descendants "$PID1_PID"); do
		if [ "$(cat /proc/"$p"/comm 2>/dev/null)" = "$1" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# in_write PID: PID sits in the write system call (blocked on a full pipe).
in_write() {
	[ "$(cut -d' ' -f1 /proc/"$1"/syscall 2>/dev/null)" = 1 ]
}

# status_kib PID FIELD: a field of /proc/PID/status in KiB (VmHWM, VmRSS).
status_kib() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# size_is FILE N: FILE holds N bytes.
size_is() {
	[ "$(stat -c %s "$1")" = "$2" ]
}

no_descendant_named() {
	! descendant_named "$1" >/dev/null
}

@test "each line of a program's stdout and stderr goes to pid1's stdout and stderr, labelled" {
	write_conf <<-'EOF'
		output = prefix
		program web {
			command = { "sh", "-c", "echo one; echo two >&2; echo three" }
			essential = true
		}
	EOF
	run --separate-stderr pid1_run -c "$CONF"
	assert_success
	assert_output $'web: one\nweb: three'
	grep -qx "web: two" <<<"$stderr" || fail "stderr has no 'web: two' line: $stderr"
	[[ "$stderr" != *one* && "$stderr" != *three* ]] || fail "stdout lines on stderr: $stderr"
}

@test "raw output is the default: a program writes to pid1's fds as they are" {
	write_conf <<-'EOF'
		program web {
			command = { "sh", "-c", "echo plain; [ $(readlink /proc/$$/fd/1) = $(readlink /proc/1/fd/1) ] && echo same" }
			essential = true
		}
	EOF
	run --separate-stderr pid1_run -c "$CONF"
	assert_success
	assert_line -n 0 "plain"
	assert_line -n 1 "same"
}

@test "a program's own output setting wins over the top level's; main takes the top level's" {
	write_conf <<-'EOF'
		output = prefix
		program quiet {
			command = { "sh", "-c", "echo from-quiet" }
			output = raw
		}
	EOF
	run -0 --separate-stderr pid1_run -c "$CONF" -- sh -c 'sleep 0.5; echo from-main'
	assert_line "from-quiet"
	assert_line "main: from-main"
	run -0 "$PID1" -n -c "$CONF"
	assert_line "output = prefix"
	assert_line $'\toutput = raw'
}

@test "the command-line program main writes raw unless the top level says prefix" {
	run -0 --separate-stderr pid1_run -- sh -c 'echo hello'
	assert_output "hello"
}

@test "a bad output value is an error naming file:line, and nothing starts" {
	printf 'program a {\n\tcommand = { "touch", "%s" }\n\toutput = labels\n}\n' "$S/ran" >"$CONF"
	run -2 --separate-stderr pid1_run -c "$CONF"
	[[ "$stderr" == *"$CONF:3:"*"labels"* ]] || fail "no file:line error: $stderr"
	[ ! -e "$S/ran" ]
}

@test "two programs writing at once never mix inside a line" {
	local a b
	a=$(printf 'A%.0s' $(seq 100))
	b=$(printf 'B%.0s' $(seq 100))
	write_conf <<-EOF
		output = prefix
		program a {
			command = { "sh", "-c", "yes $a | head -n 20000" }
		}
		program b {
			command = { "sh", "-c", "yes $b | head -n 20000" }
		}
		program end {
			command = { "true" }
			after = { a, b }
			type = oneshot
		}
	EOF
	start_into "$S/out" -c "$CONF"
	wait_until has_lines "$S/out" 20000 "a: $a"
	wait_until has_lines "$S/out" 20000 "b: $b"
	send_to_pid1 TERM
	pid1_wait
	[ "$(count_lines "$S/out" "a: $a")" = 20000 ] || fail "a's lines: $(count_lines "$S/out" "a: $a")"
	[ "$(count_lines "$S/out" "b: $b")" = 20000 ] || fail "b's lines: $(count_lines "$S/out" "b: $b")"
	[ "$(wc -l <"$S/out")" = 40000 ] || fail "other lines: $(grep -vxF -e "a: $a" -e "b: $b" "$S/out" | head -n 3)"
}

@test "labelled lines and a raw program's lines on one full pipe never mix inside a line" {
	local a b
	a=$(printf 'A%.0s' $(seq 200))
	b=$(printf 'B%.0s' $(seq 300))
	mkfifo "$S/fifo"
	# The reader starts once both writers have filled the pipe, and takes 512 bytes at a
	# time: the pipe stays full, pid1 and the other writer take turns at each page it frees,
	# and pid1's lines must go in whole or wait.
	(
		while [ ! -e "$S/go" ]; do sleep 0.05; done
		exec dd bs=512 status=none
	) <"$S/fifo" >"$S/out" &
	write_conf <<-EOF
		output = prefix
		program a {
			command = { "sh", "-c", "yes $a | head -n 30000" }
		}
		program r {
			command = { "awk", "BEGIN { for (i = 0; i < 30000; i++) { print \"$b\"; fflush() } }" }
			output = raw
		}
	EOF
	start_into "$S/fifo" -c "$CONF"
	wait_until descendant_named awk >/dev/null
	wait_until in_write "$(descendant_named awk)"
	touch "$S/go"
	wait_until size_is "$S/out" $((30000 * 204 + 30000 * 301))
	send_to_pid1 TERM
	pid1_wait
	[ "$(count_lines "$S/out" "a: $a")" = 30000 ] ||
		fail "mixed lines: $(grep -vxF -e "a: $a" -e "$b" "$S/out" | head -c 300)"
	[ "$(count_lines "$S/out" "$b")" = 30000 ] || fail "raw lines: $(count_lines "$S/out" "$b")"
}

@test "a last line without a newline is written, with one, when the program ends" {
	write_conf <<-'EOF'
		output = prefix
		program a {
			command = { "sh", "-c", "printf 'whole\\npartial'" }
			essential = true
		}
	EOF
	run -0 --separate-stderr pid1_run -c "$CONF"
	assert_output $'a: whole\na: partial'
}

@test "a line longer than the limit is cut into labelled lines of 4096 bytes, nothing lost" {
	write_conf <<-'EOF'
		output = prefix
		program a {
			command = { "sh", "-c", "head -c 10000 /dev/zero | tr '\\0' x; echo; echo next" }
			essential = true
		}
	EOF
	pid1_run -c "$CONF" >"$S/out" 2>"$S/err"
	# 4096 bytes with "a: " and the newline: 4092 of the line each.
	run -0 awk '{ print length($0) + 1 }' "$S/out"
	assert_output $'4096\n4096\n1820\n8'
	run -0 sh -c "sed 's/^a: //' '$S/out' | head -n 3 | tr -d '\\n' | tr -d x | wc -c"
	assert_output 0
	run -0 sh -c "sed 's/^a: //' '$S/out' | head -n 3 | tr -d '\\n' | wc -c"
	assert_output 10000
	run -0 sed -n 4p "$S/out"
	assert_output "a: next"
}

@test "binary bytes pass unchanged; only newlines end lines" {
	write_conf <<-'EOF'
		output = prefix
		program a {
			command = { "sh", "-c", "printf 'x\\000y\\r\\377z\\n'" }
			essential = true
		}
	EOF
	pid1_run -c "$CONF" >"$S/out" 2>"$S/err"
	printf 'a: x\000y\r\377z\n' >"$S/want"
	cmp "$S/out" "$S/want"
}

@test "100 MB to a slow reader: pid1's memory stays bounded, every byte arrives, signals and reaping go on" {
	local line hwm0 hwm head
	line=$(printf '%099d' 0)
	mkfifo "$S/fifo"
	# The reader takes nothing until told to, then all that should come: 1,000,000 lines.
	(
		while [ ! -e "$S/go" ]; do sleep 0.05; done
		exec head -c 105000000
	) <"$S/fifo" >"$S/result" &
	# The orphan has a name of its own, to tell it from the other sleeps.
	cp "$(command -v sleep)" "$S/orphan"
	write_conf <<-EOF
		output = prefix
		program big {
			command = { "sh", "-c", "trap '' USR1; while [ ! -e $S/start ]; do sleep 0.05; done; yes $line | head -n 1000000" }
		}
		program other {
			command = { "sh", "-c", "trap 'echo usr1 >>$S/events; ($S/orphan 1 &)' USR1; while :; do sleep 0.05; done" }
		}
	EOF
	start_into "$S/fifo" -c "$CONF"
	wait_until descendant_named sleep >/dev/null
	hwm0=$(status_kib "$PID1_PID" VmHWM)
	touch "$S/start"
	# Everything is full: the writer waits in write(), as on a terminal nobody reads.
	wait_until descendant_named head >/dev/null
	head=$(descendant_named head)
	wait_until in_write "$head"
	# Meanwhile signals are forwarded and orphans reaped.
	send_to_pid1 USR1
	wait_until file_has "$S/events" usr1
	wait_until descendant_named orphan >/dev/null
	wait_until no_descendant_named orphan
	[ "$(zombie_children "$PID1_PID")" = 0 ] || fail "zombies while output is blocked"
	in_write "$head" || fail "the writer is no longer held back"
	touch "$S/go"
	wait_until size_is "$S/result" 105000000
	run -0 wc -l <"$S/result"
	assert_output 1000000
	run -1 grep -vxF "big: $line" "$S/result"
	hwm=$(status_kib "$PID1_PID" VmHWM)
	[ $((hwm - hwm0)) -lt 2048 ] || fail "pid1's peak RSS grew from $hwm0 to $hwm KiB"
	send_to_pid1 TERM
	pid1_wait
}

@test "prefixed output through a terminal" {
	command -v python3 >/dev/null || skip_or_fail "python3 is needed to drive a terminal"
	write_conf <<-'EOF'
		output = prefix
		program a {
			command = { "sh", "-c", "echo to-out; echo to-err >&2; seq 2000 | sed 's/^/n/'" }
			essential = true
		}
	EOF
	# shellcheck disable=SC2086
	run timeout -k 5 "$PID1_TIMEOUT" env PTYRUN_TIMEOUT=15 \
		python3 "$PID1_SRCDIR/tests/helpers/ptyrun.py" 'expect:a: to-out' 'expect:a: n2000' \
		'wait' -- unshare --pid --fork --mount-proc --kill-child $PID1_WRAPPER "$PID1" \
		-c "$CONF"
	assert_success
	assert_line "a: to-err"
	assert_line "a: n1"
	assert_line "ptyrun: exit 0"
}

@test "a program that closes its stdout: its stderr still comes, pid1 answers signals" {
	write_conf <<-EOF
		output = prefix
		program a {
			command = { "sh", "-c", "exec >&-; echo still-here >&2; while :; do sleep 0.05; done" }
		}
		program b {
			command = { "sh", "-c", "trap 'echo usr1 >>$S/events' USR1; while :; do sleep 0.05; done" }
		}
	EOF
	start_into "$S/out" -c "$CONF"
	wait_until grep -qx "a: still-here" "$S/err"
	send_to_pid1 USR1
	wait_until file_has "$S/events" usr1
	send_to_pid1 TERM
	pid1_wait
	[ "$status" = 143 ] || [ "$status" = 0 ] || fail "status $status"
}

@test "a daemon that keeps the pipe after its program ended: restarts get fresh pipes, pid1 stays responsive" {
	write_conf <<-EOF
		output = prefix
		restart { delay = 100ms }
		program a {
			command = { "sh", "-c", "(while :; do echo daemon; sleep 0.1; done &); echo run; exit 1" }
			restart = always
		}
		program b {
			command = { "sh", "-c", "trap 'echo usr1 >>$S/events' USR1; while :; do sleep 0.05; done" }
		}
	EOF
	start_into "$S/out" -c "$CONF"
	# Three runs: the pipes of the first, still held by its daemon, are closed at the third.
	wait_until has_lines "$S/out" 3 "a: run"
	wait_until grep -q "closing the output pipes of an earlier run" "$S/err"
	wait_until has_lines "$S/out" 10 "a: daemon"
	send_to_pid1 USR1
	wait_until file_has "$S/events" usr1
	send_to_pid1 TERM
	pid1_wait
	run -1 grep -vxF -e "a: run" -e "a: daemon" "$S/out"
	assert_output ""
}

@test "binary without newlines forever into a pipe nobody reads: pid1 forwards, reaps and shuts down" {
	mkfifo "$S/fifo"
	# A reader that holds the FIFO open and never reads.
	# shellcheck disable=SC2217 # opening the FIFO is the point, not reading it
	sleep 60 <"$S/fifo" &
	local holder=$! start
	write_conf <<-EOF
		output = prefix
		program noise {
			command = { "sh", "-c", "tr -d '\\\\n' </dev/urandom" }
		}
		program b {
			command = { "sh", "-c", "trap 'echo usr1 >>$S/events; (sleep 0.3 &)' USR1; while :; do sleep 0.05; done" }
		}
	EOF
	start_into "$S/fifo" -c "$CONF"
	wait_until descendant_named tr >/dev/null
	wait_until in_write "$(descendant_named tr)"
	send_to_pid1 USR1
	wait_until file_has "$S/events" usr1
	[ "$(zombie_children "$PID1_PID")" = 0 ] || fail "zombies"
	start=$(now_ms)
	send_to_pid1 TERM
	pid1_wait
	# The ladder ends the programs at once; then pid1 gives its reader 5 s, no more.
	assert_between "shutdown in ms" "$(($(now_ms) - start))" 0 15000
	grep -q "bytes of the programs' output to pid1's stdout were dropped" "$S/err" ||
		fail "no count of dropped bytes: $(cat "$S/err")"
	kill "$holder" 2>/dev/null || true
}

@test "an idle program with labelled output costs pid1 no wake-ups" {
	write_conf <<-'EOF'
		output = prefix
		program a {
			command = { "sh", "-c", "echo up; exec sleep 60" }
		}
	EOF
	start_into "$S/out" -c "$CONF"
	wait_until file_has "$S/out" "a: up"
	sleep 0.2
	local before after
	before=$(awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "/proc/$PID1_PID/status")
	sleep 1
	after=$(awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "/proc/$PID1_PID/status")
	[ "$before" = "$after" ] || fail "pid1 woke up $((after - before)) times while idle"
	send_to_pid1 TERM
	pid1_wait
}

# matches FILE N REGEX: FILE has at least N lines matching the extended REGEX; for wait_until.
matches() {
	[ "$(grep -cE -- "$3" "$1" 2>/dev/null)" -ge "$2" ]
}

@test "with 16 fds, ten labelled programs all start and restart; those short of pipes write unlabelled, said once" {
	local i
	{
		echo "output = prefix"
		echo "user = nobody"
		echo "restart { delay = 100ms }"
		for i in $(seq 9); do
			printf 'program p%d {\n\tcommand = { "sh", "-c", "echo line-%d; exec sleep 60" }\n}\n' \
				"$i" "$i"
		done
		# The last one ends at once and starts again: each run needs fds of its own.
		printf 'program p10 {\n\tcommand = { "sh", "-c", "echo line-10; exit 1" }\n'
		printf '\trestart = always\n}\n'
	} | write_conf
	# pid1's stdout is a pipe, as in a container; bats' own fd 4 is not pid1's to use up.
	mkfifo "$S/fifo"
	cat "$S/fifo" >"$S/out" 3>&- &
	PID1_WRAPPER="prlimit --nofile=16 ${PID1_WRAPPER:-}" start_into "$S/fifo" -c "$CONF" 4>&-
	for i in $(seq 9); do
		wait_until matches "$S/out" 1 "^(p$i: )?line-$i\$"
	done
	wait_until matches "$S/out" 5 '^(p10: )?line-10$'
	run -0 grep -c "too few file descriptors for labelled output (the limit is 16)" "$S/err"
	assert_output 1
	run -1 grep -e "cannot" -e "could not" "$S/err"
	send_to_pid1 TERM
	pid1_wait
	[ "$status" = 143 ] || [ "$status" = 0 ] || fail "status $status: $(cat "$S/err")"
}

# peak_kib MODE: pid1's VmHWM in KiB with 64 programs, run as nobody, that print one line
# each with output = MODE and then sleep.
peak_kib() {
	local i
	{
		echo "output = $1"
		echo "user = nobody"
		for i in $(seq 64); do
			printf 'program p%d {\n\tcommand = { "sh", "-c", "echo line-%d; exec sleep 60" }\n}\n' \
				"$i" "$i"
		done
	} | write_conf
	start_into "$S/out.$1" -c "$CONF"
	wait_until matches "$S/out.$1" 64 '^(p[0-9]+: )?line-[0-9]+$'
	status_kib "$PID1_PID" VmHWM
	send_to_pid1 TERM
	pid1_wait
}

@test "64 idle programs with labelled output cost pid1 a few KiB each, not buffers of their own" {
	local raw prefix
	raw=$(peak_kib raw)
	prefix=$(peak_kib prefix)
	# Four 64 KiB buffers per program would be 16 MiB more; allow 64 KiB per program.
	[ $((prefix - raw)) -lt 4096 ] ||
		fail "pid1's peak RSS: $raw KiB with raw output, $prefix KiB with labels"
}
