#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Reloading the config file of a running pid1 (`pid1 ctl reload`, a signal rule's action =
# reload): programs added start in their order, removed ones stop with their ladder and
# leave the status, changed ones restart with their new section, the rest keep their pid;
# a bad file changes nothing; --dry-run only says; top-level keys are kept and named; no
# reload while pid1 shuts down; many reloads leak no fd and no memory.
bats_require_minimum_version 1.5.0
load lib/pid1

setup() {
	export PID1_RUNTIME_DIR="$BATS_TEST_TMPDIR/run"
	CONF=$BATS_TEST_TMPDIR/pid1.conf
}

teardown() {
	if [ -n "${PID1_OUTER:-}" ] && kill -0 "$PID1_PID" 2>/dev/null; then
		send_to_pid1 TERM
		pid1_wait
	fi
}

# runs_anew NAME: a program NAME runs, whatever one of that name a reload removed does.
runs_anew() {
	"$PID1" ctl status | grep -qE "^$1 +running "
}

listed() {
	"$PID1" ctl status | awk -v n="$1" '$1 == n { f = 1 } END { exit !f }'
}

# conf LINES...: the config file, log at info, each line one more.
conf() {
	{
		echo 'log { level = info }'
		printf '%s\n' "$@"
	} >"$CONF"
}

@test "reload adds, removes and changes programs; an unchanged one keeps its pid" {
	conf 'program keep { command = { "sleep", "1000" } }' \
		"program gone { command = { \"$PID1_HELPERS/sigdump\", \"$BATS_TEST_TMPDIR/gone\", \"SIGUSR2\" } stop-signal = SIGUSR2 }" \
		'program edit { command = { "sleep", "1000" } }'
	pid1_start -c "$CONF"
	wait_until state_is keep running
	wait_until state_is edit running
	wait_until file_has "$BATS_TEST_TMPDIR/gone" ready
	local keep edit
	keep=$(pid_of keep)
	edit=$(pid_of edit)
	conf 'program keep { command = { "sleep", "1000" } }' \
		'program edit { command = { "sleep", "2000" } }' \
		"program first { type = oneshot command = { \"touch\", \"$BATS_TEST_TMPDIR/first\" } }" \
		"program next { command = { \"sleep\", \"3000\" } after = { \"first\" } }"
	run -0 "$PID1" ctl reload
	assert_line --index 0 --regexp "^reloaded .*pid1.conf: 2 added, 1 removed, 1 changed, 1 unchanged$"
	assert_line "added: first, next"
	assert_line "removed: gone"
	assert_line "changed: edit (command)"
	assert_line "unchanged: keep"
	# The removed program got its stop-signal, then left the status.
	wait_until file_has "$BATS_TEST_TMPDIR/gone" SIGUSR2
	wait_until eval '! listed gone'
	# The added ones started in their order.
	wait_until state_is next running
	[ -e "$BATS_TEST_TMPDIR/first" ]
	state_is first "done"
	# The changed one runs its new command, the unchanged one its old process.
	wait_until state_is edit running
	[ "$(pid_of edit)" != "$edit" ]
	pgrep -f '^sleep 2000$' >/dev/null
	[ "$(pid_of keep)" = "$keep" ]
	log_has "reload: gone removed"
	run -0 "$PID1" ctl status
	refute_output --partial gone
}

@test "a relative config path is read from where pid1 started, after it left that directory" {
	conf 'program web { command = { "sleep", "1000" } }'
	cd "$BATS_TEST_TMPDIR"
	pid1_start -c pid1.conf
	wait_until state_is web running
	# Nothing restarts: pid1 has let its starting directory go.
	wait_until test "$(readlink "/proc/$PID1_PID/cwd")" = /
	conf 'program web { command = { "sleep", "1000" } }' \
		'program db { command = { "sleep", "1000" } }'
	run -0 "$PID1" ctl reload
	assert_line "added: db"
	wait_until state_is db running
}

@test "a changed program that was stopped stays stopped, and starts with its new section" {
	conf 'program web { command = { "sleep", "1000" } }' \
		'program db { command = { "sleep", "1000" } }'
	pid1_start -c "$CONF"
	wait_until state_is web running
	run -0 "$PID1" ctl stop web
	conf 'program web { command = { "sleep", "1001" } }' \
		'program db { command = { "sleep", "1000" } }'
	run -0 "$PID1" ctl reload
	assert_line "changed: web (command)"
	state_is web stopped
	log_has "reload: web changed (command): taken at its next start"
	run -0 "$PID1" ctl start web
	wait_until state_is web running
	pgrep -f '^sleep 1001$' >/dev/null
}

@test "reload while pid1 waits for what its essential command left is refused" {
	conf 'shutdown { on-child-exit = wait }' 'control = yes'
	pid1_start -c "$CONF" -- sh -c 'sleep 1000 & exit 0'
	wait_until log_has "waiting for the processes it left"
	conf 'shutdown { on-child-exit = wait }' 'control = yes' \
		'program db { command = { "sleep", "1000" } }'
	run -1 "$PID1" ctl reload
	assert_output --partial "the essential program has ended"
	run ! listed db
}

@test "a bad config changes nothing: file:line in the reply and the log, exit 1" {
	conf 'program web { command = { "sleep", "1000" } }'
	pid1_start -c "$CONF"
	wait_until state_is web running
	local before
	before=$("$PID1" ctl status | cut -f1-3)
	conf 'program web { command = { "sleep", "1000" } }' \
		'program db { command = { "sleep", "1000" } bogus = 1 }'
	run -1 "$PID1" ctl reload
	assert_output --regexp "pid1 ctl: reload refused, nothing changed: .*pid1.conf:3: "
	log_has "pid1.conf:3:"
	[ "$("$PID1" ctl status | cut -f1-3)" = "$before" ]
}

@test "reload --dry-run says what would change and changes nothing" {
	conf 'program web { command = { "sleep", "1000" } }' \
		'program db { command = { "sleep", "1000" } }'
	pid1_start -c "$CONF"
	wait_until state_is web running
	wait_until state_is db running
	local web db
	web=$(pid_of web)
	db=$(pid_of db)
	conf 'forward-to = group' \
		'program web { command = { "sleep", "1001" } }' \
		'program api { command = { "sleep", "1000" } }'
	run -0 "$PID1" ctl reload --dry-run
	assert_line --index 0 --regexp "^dry run, nothing changed; reloading would read .*: 1 added, 1 removed, 1 changed, 0 unchanged$"
	assert_line "added: api"
	assert_line "removed: db"
	assert_line "changed: web (command)"
	assert_line "not reloaded: forward-to (pid1 must restart)"
	[ "$(pid_of web)" = "$web" ]
	[ "$(pid_of db)" = "$db" ]
	run ! listed api
	run -2 "$PID1" ctl status --dry-run
}

@test "top-level keys are not reloaded: named in the reply and the log, kept" {
	conf 'program web { command = { "sleep", "1000" } }'
	pid1_start -w -v --log-target stderr -c "$CONF"
	wait_until state_is web running
	# What the command line sets over the file is no change of the file's.
	run -0 "$PID1" ctl reload
	assert_output --regexp "^reloaded .*: 0 added, 0 removed, 0 changed, 1 unchanged"
	refute_output --partial "not reloaded"
	conf 'runtime-dir = /nonexistent' 'program web { command = { "sleep", "1000" } }'
	run -0 "$PID1" ctl reload
	assert_line "not reloaded: runtime-dir (pid1 must restart)"
	log_has "not reloaded, kept as they were: runtime-dir"
	# The socket is where it was.
	run -0 "$PID1" ctl status
}

@test "a signal rule with action = reload reads the file again; SIGHUP forwards by default" {
	conf 'signal SIGHUP { action = reload }' 'program web { command = { "sleep", "1000" } }'
	pid1_start -c "$CONF"
	wait_until state_is web running
	conf 'signal SIGHUP { action = reload }' 'program web { command = { "sleep", "1000" } }' \
		'program db { command = { "sleep", "1000" } }'
	send_to_pid1 HUP
	wait_until state_is db running
	log_has "reload requested by received SIGHUP"
}

@test "SIGHUP without a rule is forwarded, not a reload" {
	conf "program web { command = { \"$PID1_HELPERS/sigdump\", \"$BATS_TEST_TMPDIR/web\" } }"
	pid1_start -c "$CONF"
	wait_until file_has "$BATS_TEST_TMPDIR/web" ready
	conf "program web { command = { \"$PID1_HELPERS/sigdump\", \"$BATS_TEST_TMPDIR/web\" } }" \
		'program db { command = { "sleep", "1000" } }'
	send_to_pid1 HUP
	wait_until file_has "$BATS_TEST_TMPDIR/web" SIGHUP
	run ! listed db
}

@test "reload during the shutdown is refused" {
	conf 'shutdown { step SIGTERM { grace = 10s } }' \
		"program web { command = { \"$PID1_HELPERS/stubborn\", \"SIGTERM\" } }"
	pid1_start -c "$CONF"
	wait_until state_is web running
	send_to_pid1 TERM
	wait_until log_has "shutdown"
	run -1 "$PID1" ctl reload
	assert_output "pid1 ctl: pid1 is shutting down: nothing reloaded"
}

@test "100 reloads while programs run and one restarts: none lost, no fd leaked, memory flat" {
	local i lines=() alt=()
	for i in 1 2 3 4 5 6 7 8 9; do
		lines+=("program p$i { command = { \"sleep\", \"1000\" } }")
	done
	lines+=('program flap { command = { "sleep", "0.05" } restart = always }')
	conf "${lines[@]}"
	pid1_start -c "$CONF"
	for i in 1 2 3 4 5 6 7 8 9; do
		wait_until state_is "p$i" running
	done
	local pids fds hwm
	pids=$("$PID1" ctl status | awk '$1 ~ /^p[0-9]$/ { print $1, $3 }')
	"$PID1" ctl reload >/dev/null
	fds=$(find "/proc/$PID1_PID/fd" -mindepth 1 | wc -l)
	hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$PID1_PID/status")
	alt=("${lines[@]}" 'program extra { command = { "sleep", "1000" } }')
	for i in $(seq 1 100); do
		if ((i % 2)); then conf "${alt[@]}"; else conf "${lines[@]}"; fi
		"$PID1" ctl reload >/dev/null
	done
	[ "$("$PID1" ctl status | awk '$1 ~ /^p[0-9]$/ { print $1, $3 }')" = "$pids" ]
	wait_until eval '! listed extra'
	listed flap
	local fds2 hwm2
	fds2=$(find "/proc/$PID1_PID/fd" -mindepth 1 | wc -l)
	hwm2=$(awk '/VmHWM/ { print $2 }' "/proc/$PID1_PID/status")
	echo "# fds $fds -> $fds2, VmHWM $hwm -> $hwm2 kB" >&3
	[ "$fds2" -le "$fds" ]
	# ASan holds freed memory in quarantine, so its peak grows; its leak check runs at exit.
	grep -q __asan_init "$PID1" 2>/dev/null || [ "$hwm2" -le $((hwm + 512)) ]
}

@test "valgrind: reloads that add, remove, change, refuse and only say leave no leak" {
	command -v valgrind >/dev/null || skip_or_fail "valgrind is not installed"
	if grep -q __asan_init "$PID1" 2>/dev/null; then
		skip "pid1 is built with AddressSanitizer"
	fi
	local vg=$BATS_TEST_TMPDIR/valgrind.log
	# shellcheck disable=SC2034 # read by pid1_start in lib/pid1.bash
	PID1_WRAPPER="valgrind -q --vgdb=no --child-silent-after-fork=yes --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=99 --log-file=$vg"
	# shellcheck disable=SC2034 # read by pid1_start
	PID1_TIMEOUT=120
	echo 'Y=1' >"$BATS_TEST_TMPDIR/env"
	conf 'program a { command = { "sleep", "1000" } output = prefix }' \
		"program b { command = { \"sleep\", \"1000\" } env = { \"X=1\" } env-file = { \"$BATS_TEST_TMPDIR/env\" } }"
	pid1_start -c "$CONF"
	WAIT_SECONDS=60 wait_until state_is b running
	conf "program b { command = { \"sleep\", \"1001\" } env = { \"X=2\" } env-file = { \"$BATS_TEST_TMPDIR/env\" } }" \
		'program c { command = { "sleep", "1000" } output = prefix after = { "b" } }'
	"$PID1" ctl reload --dry-run
	"$PID1" ctl reload
	WAIT_SECONDS=60 wait_until state_is c running
	WAIT_SECONDS=60 wait_until eval '! listed a'
	conf 'program b { command = { "sleep", "1001" } bogus }'
	run -1 "$PID1" ctl reload
	conf 'program a { command = { "sleep", "1000" } output = prefix }'
	"$PID1" ctl reload
	WAIT_SECONDS=60 wait_until state_is a running
	send_to_pid1 TERM
	pid1_wait
	local said
	said=$(grep -vE -- '^--[0-9]+-- (WARNING: unhandled [a-z0-9]+-linux syscall: 4[23]4|You may be able to write your own handler\.|Read the file README_MISSING_SYSCALL_OR_IOCTL\.|Nevertheless we consider this a bug\.  Please report|it at http://valgrind\.org/support/bug_reports\.html\.)$' "$vg" 2>/dev/null || true)
	if [ -n "$said" ]; then
		cat "$vg" >&2
		fail "valgrind reported errors"
	fi
}

@test "removed programs still stopping hold their places: a reload past the bound is refused" {
	local keep="program keep { command = { \"sleep\", \"1000\" } }"
	local slow="program slow { command = { \"$PID1_HELPERS/stubborn\", \"SIGINT\", \"SIGTERM\" } }"
	local ladder='shutdown { step SIGTERM { grace = 60s } step SIGKILL { grace = 5s } }'
	conf "$ladder" "$keep"
	pid1_start -c "$CONF"
	wait_until state_is keep running
	local i refused=
	for i in $(seq 1 70); do
		conf "$ladder" "$keep" "$slow"
		if ! "$PID1" ctl reload >/dev/null 2>"$BATS_TEST_TMPDIR/refused"; then
			refused=$i
			break
		fi
		wait_until runs_anew slow
		conf "$ladder" "$keep"
		"$PID1" ctl reload >/dev/null
	done
	[ -n "$refused" ]
	# Those are in the status as removed until they have stopped.
	[ "$("$PID1" ctl status | grep -cE '^slow +removed ')" = 64 ]
	grep -q "too many programs (at most 64), counting 64 removed by an earlier reload and still stopping" \
		"$BATS_TEST_TMPDIR/refused"
	state_is keep running
	# The second SIGTERM skips to SIGKILL: the removed ones end with the rest.
	send_to_pid1 TERM
	wait_until log_has "shutdown begins"
	send_to_pid1 TERM
	pid1_wait
}

@test "a changed health check is a changed program: it restarts and is checked the new way" {
	conf 'program web {
		command = { "sleep", "1000" }
		health { check = exec command = { "true" } interval = 200ms }
	}'
	pid1_start -c "$CONF"
	wait_until "$PID1" ctl health web
	local web
	web=$(pid_of web)
	conf 'program web {
		command = { "sleep", "1000" }
		health { check = exec command = { "sh", "-c", "exit 3" } interval = 200ms retries = 1 }
	}'
	run -0 "$PID1" ctl reload --dry-run
	assert_line "changed: web (health)"
	run -0 "$PID1" ctl reload
	assert_line "changed: web (health)"
	# Its new check fails: it is stopped as unhealthy, then restarted by its policy.
	wait_until log_has "unhealthy: its health check failed 1 times in a row (exited with status 3)"
	[ "$(pid_of web)" != "$web" ]
	run -1 "$PID1" ctl health web
}
