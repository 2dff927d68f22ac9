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

# through_slow_reader MODE N BYTES: program big writes N lines of 99 zeros with output =
# MODE to a reader that takes nothing until the writer waits in write(), while signals are
# forwarded and an orphan reaped; then the reader takes BYTES, into $S/result, and pid1's
# peak RSS must have grown by less than 2 MiB.
through_slow_reader() {
	local hwm0 hwm head
	line=$(printf '%099d' 0)
	mkfifo "$S/fifo"
	# The reader takes nothing until told to, then all that should come.
	(
		while [ ! -e "$S/go" ]; do sleep 0.05; done
		exec head -c "$3"
	) <"$S/fifo" >"$S/result" &
	# The orphan has a name of its own, to tell it from the other sleeps.
	cp "$(command -v sleep)" "$S/orphan"
	write_conf <<-EOF
		output = $1
		program big {
			command = { "sh", "-c", "trap '' USR1; while [ ! -e $S/start ]; do sleep 0.05; done; yes $line | head -n $2" }
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
	wait_until size_is "$S/result" "$3"
	hwm=$(status_kib "$PID1_PID" VmHWM)
	[ $((hwm - hwm0)) -lt 2048 ] || fail "pid1's peak RSS grew from $hwm0 to $hwm KiB"
	send_to_pid1 TERM
	pid1_wait
}

@test "100 MB to a slow reader: pid1's memory stays bounded, every byte arrives, signals and reaping go on" {
	local line
	through_slow_reader prefix 1000000 105000000
	run -0 wc -l <"$S/result"
	assert_output 1000000
	run -1 grep -vxF "big: $line" "$S/result"
}

@test "JSON lines to a slow reader: bounded as prefixed ones, every line arrives whole and parses" {
	local line
	# 179 bytes a line: 99 of the program's and 80 of JSON.
	through_slow_reader json 200000 35800000
	python3 - "$S/result" "$line" <<-'PY'
		import json, sys
		n = 0
		for raw in open(sys.argv[1], "rb"):
		    o = json.loads(raw)
		    assert o["program"] == "big" and o["stream"] == "stdout" and o["line"] == sys.argv[2], o
		    n += 1
		assert n == 200000, n
	PY
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

# An RFC 3339 time as pid1 writes it: UTC with milliseconds.
T_RE='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

# json_lines FILE: checks that every line of FILE is a JSON object of pid1's shape, as a log
# shipper would read it: strict UTF-8, at most 4096 bytes with its newline, the time RFC 3339
# in UTC with milliseconds and within a minute of now, "program" and then "stream" (a
# program's line) or "level" (pid1's own), "line", and "cut": true only on a piece of a line
# that goes on. Prints each as PROGRAM STREAM-OR-LEVEL [cut] and the line, repr()'d.
json_lines() {
	python3 - "$1" <<-'PY'
		import datetime, json, re, sys
		now = datetime.datetime.now(datetime.timezone.utc)
		for raw in open(sys.argv[1], "rb").read().splitlines(keepends=True):
		    assert len(raw) <= 4096 and raw.endswith(b"\n"), raw[:80]
		    o = json.loads(raw.decode("utf-8", "strict"))
		    assert list(o)[:2] == ["time", "program"], o
		    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", o["time"]), o
		    t = datetime.datetime.fromisoformat(o["time"])
		    assert abs((t - now).total_seconds()) < 60, o
		    kind = "level" if o["program"] == "pid1" else "stream"
		    want = ["time", "program", kind, "line"] + (["cut"] if "cut" in o else [])
		    assert list(o) == want and o.get("cut", True) is True, o
		    print(o["program"], o[kind], *(["cut"] if "cut" in o else []), repr(o["line"]))
	PY
}

@test "output = json: one object a line with the time read, the program and its stream, for python3's json" {
	write_conf <<-'EOF'
		output = json
		program web {
			command = { "sh", "-c", "echo one; echo two >&2; sleep 0.2; printf 'three'" }
			essential = true
		}
	EOF
	pid1_run -c "$CONF" >"$S/out" 2>"$S/err"
	run -0 json_lines "$S/out"
	assert_output $'web stdout \'one\'\nweb stdout \'three\''
	run -0 json_lines <(grep -v '^[0-9]' "$S/err")
	assert_output "web stderr 'two'"
	# The time is when pid1 read each line: the last came 0.2 s after the first.
	python3 - "$S/out" <<-'PY'
		import datetime, json, sys
		t = [datetime.datetime.fromisoformat(json.loads(l)["time"]) for l in open(sys.argv[1])]
		assert (t[1] - t[0]).total_seconds() >= 0.15, t
	PY
}

@test "output = json with stdout and stderr one file (2>&1): each line names the stream it came from" {
	write_conf <<-'EOF'
		output = json
		program web {
			command = { "sh", "-c", "echo out1; echo err1 >&2; echo out2; echo err2 >&2" }
			essential = true
		}
	EOF
	pid1_run -c "$CONF" >"$S/out" 2>&1
	run -0 json_lines <(grep -v '^[0-9]' "$S/out")
	assert_line "web stdout 'out1'"
	assert_line "web stdout 'out2'"
	assert_line "web stderr 'err1'"
	assert_line "web stderr 'err2'"
}

@test "output = json: quotes, backslashes, control bytes and invalid UTF-8 survive a round trip" {
	# Each line decoded as Python does with errors="replace" (one U+FFFD for each maximal
	# invalid piece, as Unicode recommends) is what the JSON line must say.
	{
		printf 'say "hi" \\ back\\slash\n\ttab\rcr\001\033[31m\177del\n'
		printf 'caf\303\251 \342\202\254 \360\237\230\200 ok\n'
		printf 'bad \377 \300\257 \355\240\200 \364\220\200\200 \342\202A end\n'
		printf 'nul\000byte\n'
	} >"$S/in"
	write_conf <<-EOF
		output = json
		program a {
			command = { "cat", "$S/in" }
			essential = true
		}
	EOF
	pid1_run -c "$CONF" >"$S/out" 2>"$S/err"
	json_lines "$S/out" >/dev/null
	python3 - "$S/in" "$S/out" <<-'PY'
		import json, sys
		want = open(sys.argv[1], "rb").read().decode("utf-8", "replace").split("\n")[:-1]
		got = [json.loads(l)["line"] for l in open(sys.argv[2], "rb")]
		assert got == want, (got, want)
		assert "\ufffd" in got[3] and "\u20ac" in got[2] and "\x1b" in got[1]
	PY
	# Control bytes are written as \u00XX escapes, never raw: a terminal shows no colours.
	run -1 grep -c $'\033' "$S/out"
	grep -qF '\u001b[31m' "$S/out"
}

@test "output = json: a line over the limit is cut into objects of at most 4096 bytes, marked cut, nothing lost" {
	# 10,000 x, 3,000 control bytes (6 bytes each escaped), 2,000 euro signs (3 bytes) and
	# 2,000 emoji (4 bytes: the cut falls after 3 of one, where U+FFFD would fit), none of
	# them cut in two, then a short line.
	write_conf <<-'EOF'
		output = json
		program a {
			command = { "sh", "-c", "head -c 10000 /dev/zero | tr '\\0' x; echo; echo next; head -c 3000 /dev/zero | tr '\\0' '\\1'; echo; i=0; while [ $i -lt 2000 ]; do printf '\\342\\202\\254'; i=$((i + 1)); done; echo; i=0; while [ $i -lt 2000 ]; do printf '\\360\\237\\230\\200'; i=$((i + 1)); done; echo; echo last" }
			essential = true
		}
	EOF
	pid1_run -c "$CONF" >"$S/out" 2>"$S/err"
	run -0 json_lines "$S/out"
	python3 - "$S/out" <<-'PY'
		import json, sys
		lines, cur = [], ""
		for l in open(sys.argv[1], "rb"):
		    o = json.loads(l)
		    cur += o["line"]
		    if not o.get("cut"):
		        lines.append(cur)
		        cur = ""
		want = ["x" * 10000, "next", "\x01" * 3000, "\u20ac" * 2000, "\U0001f600" * 2000, "last"]
		assert lines == want, [(len(x), x[:10]) for x in lines]
	PY
	# The pieces: 3 of x, then next; 5 of control bytes; 2 of euros, 2 of emoji, then last;
	# the cut ones say so.
	run -0 awk '/"cut":true}$/ { n++ } END { print n }' "$S/out"
	assert_output 8
	run -0 wc -l <"$S/out"
	assert_output 14
}

@test "output-time = rfc3339 starts each prefixed line with the time pid1 read it; a program's own setting wins" {
	write_conf <<-'EOF'
		output = prefix
		output-time = rfc3339
		program a {
			command = { "sh", "-c", "echo hello; echo oops >&2" }
		}
		program b {
			command = { "sh", "-c", "sleep 0.3; echo plain" }
			output-time = none
			essential = true
		}
	EOF
	pid1_run -c "$CONF" >"$S/out" 2>"$S/err"
	run -0 grep -E "^$T_RE a: hello\$" "$S/out"
	python3 - "$output" <<-'PY'
		import datetime, sys
		t = datetime.datetime.fromisoformat(sys.argv[1].split(" ")[0])
		assert abs((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds()) < 60
	PY
	run -0 grep -E "^$T_RE a: oops\$" "$S/err"
	run -0 grep -c '^b: plain$' "$S/out"
	# A line with the time is still at most 4096 bytes.
	run -0 grep -c '' "$S/out"
	assert_output 2
}

@test "output-time = rfc3339: a line over the limit is cut to 4096 bytes with the time, nothing lost" {
	write_conf <<-'EOF'
		output = prefix
		output-time = rfc3339
		program a {
			command = { "sh", "-c", "head -c 10000 /dev/zero | tr '\\0' x; echo" }
			essential = true
		}
	EOF
	pid1_run -c "$CONF" >"$S/out" 2>"$S/err"
	run -0 awk '{ print length($0) + 1 }' "$S/out"
	assert_output $'4096\n4096\n1895'
	run -0 sh -c "cut -d' ' -f3- '$S/out' | tr -d '\\n' | wc -c"
	assert_output 10000
}

@test "pid1's own log as JSON (log { format = json }) parses with the programs' parser, on stderr and in the file" {
	write_conf <<-EOF
		output = json
		program web {
			command = { "sh", "-c", "echo 'up \"now\"' >&2; exit 3" }
			essential = true
		}
		log {
			level = info
			format = json
			targets = { stderr, file }
			file = "$S/pid1.log"
		}
	EOF
	pid1_run -c "$CONF" >"$S/out" 2>"$S/err" || true
	run -0 json_lines "$S/err"
	assert_line "web stderr 'up \"now\"'"
	assert_line --regexp "^pid1 info 'pid1 .* starting as PID 1"
	assert_line --regexp "^pid1 (info|notice|warning) 'web\\[[0-9]+\\] exited with status 3"
	run -0 json_lines "$S/pid1.log"
	assert_line --regexp "^pid1 info 'pid1 .* starting as PID 1"
	refute_output --partial "web stderr"
}

@test "the default log format stays text; a JSON log line escapes a quote, and one too long is marked cut" {
	write_conf <<-'EOF'
		command = { "sh", "-c", "exit 0" }
		log { level = info }
	EOF
	run -0 --separate-stderr pid1_run -c "$CONF"
	grep -qE "^$T_RE pid1\\[1\\]: info: " <<<"$stderr" || fail "$stderr"
	write_conf <<-'EOF'
		log {
			level = info
			format = json
		}
	EOF
	pid1_run -c "$CONF" 'no"such' 2>"$S/err" || true
	run -0 json_lines "$S/err"
	assert_line "pid1 err 'no\"such: command not found'"
	grep -qF '"line":"no\"such: command not found"}' "$S/err"
	# 3,000 quotes take 6,000 bytes escaped: the line is cut to 4096 bytes, and says so.
	pid1_run -c "$CONF" "$(printf '"%.0s' {1..3000})" 2>"$S/err" || true
	run -0 json_lines "$S/err"
	assert_line --regexp "^pid1 err cut '\"{100}"
}

@test "pid1 -n prints output = json, output-time and the log's format, and its output loads back the same" {
	write_conf <<-'EOF'
		output = json
		output-time = rfc3339
		program a {
			command = { "a" }
			output = prefix
			output-time = none
		}
		log { format = json }
	EOF
	run -0 --separate-stderr "$PID1" -n -c "$CONF"
	assert_line "output = json"
	assert_line "output-time = rfc3339"
	assert_line $'\toutput = prefix'
	assert_line $'\toutput-time = none'
	assert_line $'\tformat = json'
	printf '%s\n' "$output" >"$S/printed.conf"
	local first=$output
	run -0 --separate-stderr "$PID1" -n -c "$S/printed.conf"
	assert_equal "$output" "$first"
	: >"$S/empty.conf"
	run -0 --separate-stderr "$PID1" -n -c "$S/empty.conf"
	assert_line "output = raw"
	assert_line "output-time = none"
	assert_line $'\tformat = text'
}

@test "the JSON example in examples/ runs: programs and pid1 in one shape, the legacy program prefixed with the time" {
	cp "$PID1_SRCDIR/examples/json.conf" "$CONF"
	pid1_start -c "$CONF"
	wait_until grep -q "legacy up" "$S/out"
	wait_until grep -q "listening on :8080" "$S/out"
	wait_until grep -q quoted "$S/err"
	send_to_pid1 TERM
	pid1_wait
	run -0 json_lines <(grep -v ' legacy: ' "$S/out")
	assert_output "web stdout 'listening on :8080'"
	run -0 grep -cE "^$T_RE legacy: legacy up\$" "$S/out"
	run -0 json_lines "$S/err"
	assert_line "web stderr 'a \"quoted\" word'"
	assert_line --regexp "^pid1 info 'pid1 .* starting as PID 1"
}
