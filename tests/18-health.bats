#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Checks pid1 makes of its programs: ready = tcp:..., http://... and exec holding back what
# comes after, a health section whose failures in a row stop and restart a program, the
# status and `pid1 ctl health`, and peers that never answer or never stop talking; and
# ready = log:REGEX, read off a program's output. pid1 runs as the real PID 1 of a fresh PID
# namespace; orders are read off files, never timed.
# shellcheck disable=SC2016,SC2154 # sh -c scripts are single-quoted; bats sets $status

bats_require_minimum_version 1.5.0
load lib/pid1

setup() {
	S=$BATS_TEST_TMPDIR
	SRV="python3 $PID1_SRCDIR/tests/helpers/probed.py"
	CONF=$S/pid1.conf
	chmod 755 "$S"
	# Ports of the host's network, shared with whatever else runs: one of its own per test,
	# below the range the kernel picks outgoing ports from.
	PORT=$((10000 + (RANDOM % 20000)))
}

teardown() {
	if [ -n "${P:-}" ]; then
		rm -rf "$P"
	fi
}

# app_after NAME FILE: the section of a program app, after NAME, that writes to $S/app whether
# FILE was there when it started: after, or early.
app_after() {
	cat <<-EOF
		program app {
			command = { "sh", "-c", "if [ -e $2 ]; then echo after; else echo early; fi >$S/app; exec sleep 100" }
			after = { $1 }
		}
	EOF
}

# log_then_app OUTPUT SCRIPT REGEX FILE: with output = OUTPUT, web runs SCRIPT then sleeps,
# ready = log:REGEX; app comes after it, and says whether FILE was there when it started.
log_then_app() {
	{
		cat <<-EOF
			output = $1
			program web {
				command = { "sh", "-c", "$2; exec sleep 100" }
				ready = 'log:$3'
			}
		EOF
		app_after web "$4"
	} | write_conf
}

# started_after: app started, and only once what it comes after was ready.
started_after() {
	wait_until [ -s "$S/app" ]
	[ "$(cat "$S/app")" = after ]
}

ctl() {
	PID1_RUNTIME_DIR=$(pid1_runtime_dir) "$PID1" ctl -t 10 "$@"
}

# health_is NAME WORD: the health column of NAME in the status table says WORD.
health_is() {
	[ "$(ctl status | awk -v n="$1" '$1 == n { print $7 }')" = "$2" ]
}

# state_is NAME STATE: NAME's state in the status table.
state_is() {
	[ "$(ctl status | awk -v n="$1" '$1 == n { print $2 }')" = "$2" ]
}

# logged_at_least N TEXT: pid1's log has N lines with TEXT, or more.
logged_at_least() {
	[ "$(grep -cF -- "$2" "$S/err")" -ge "$1" ]
}

@test "ready = tcp:PORT: what comes after starts once the port listens" {
	{
		cat <<-EOF
			program db {
				command = { "sh", "-c", "exec $SRV $PORT listen 2 $S/listening" }
				ready = tcp:$PORT
				ready-interval = 200ms
			}
		EOF
		app_after db "$S/listening"
	} | write_conf
	pid1_start -v -c "$CONF"
	started_after
	log_has "db[2] not ready yet: Connection refused"
	log_has "db[2] ready after"
	# pid1's own readiness follows the check too.
	wait_until ctl ready
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
}

@test "ready = http://: a 503 is not ready, the 200 after it is" {
	{
		cat <<-EOF
			program web {
				command = { "sh", "-c", "exec $SRV $PORT http 503 503 200 $S/served" }
				ready = "http://127.0.0.1:$PORT/healthz"
				ready-interval = 200ms
			}
		EOF
		app_after web "$S/served"
	} | write_conf
	pid1_start -v -c "$CONF"
	started_after
	log_has "web[2] not ready yet: HTTP 503"
	log_has "web[2] ready after"
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
}

@test "ready = exec: ready-command runs as the program's user until it exits 0" {
	# Somewhere nobody can write: the test's own directory is root's alone.
	P=$(mktemp -d /tmp/pid1-health.XXXXXX)
	chmod 1777 "$P"
	{
		cat <<-EOF
			program db {
				command = { "sh", "-c", "sleep 1; touch $P/up; exec sleep 100" }
				user = nobody
				ready = exec
				ready-command = { "sh", "-c", "id -u >$P/probe-uid; test -e $P/up" }
				ready-interval = 200ms
			}
		EOF
		app_after db "$P/up"
	} | write_conf
	pid1_start -v -w -c "$CONF"
	started_after
	[ "$(cat "$P/probe-uid")" = "$(id -u nobody)" ]
	log_has "db[2] not ready yet: exited with status 1"
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
	# Each check's command was reaped as one, never as an orphan.
	run ! grep -q "reaped zombie" "$S/err"
}

@test "a peer that never answers, or never stops, is given up on; pid1 goes on meanwhile" {
	write_conf <<-EOF
		signal SIGUSR1 { action = forward programs = { echoer } }
		program silent {
			command = { "sh", "-c", "exec $SRV $PORT silent" }
			ready = "http://127.0.0.1:$PORT/"
			ready-interval = 300ms
		}
		program flood {
			command = { "sh", "-c", "exec $SRV $((PORT + 1)) flood" }
			ready = "http://127.0.0.1:$((PORT + 1))/"
			ready-interval = 300ms
		}
		program echoer {
			command = { "sh", "-c", "trap 'echo got >>$S/usr1' USR1; while :; do sleep 0.1; done" }
		}
		program app {
			command = { "sleep", "100" }
			after = { silent }
		}
	EOF
	pid1_start -v -c "$CONF"
	wait_until log_has "silent[2] not ready yet: no answer within 300ms"
	wait_until log_has "flood[3] not ready yet: no HTTP status line in the reply"
	# Between the attempts, pid1 still forwards signals and answers its control socket.
	wait_until state_is echoer running
	send_to_pid1 USR1
	wait_until [ -s "$S/usr1" ]
	run -0 ctl status
	assert_output --regexp 'silent +starting .* starting .*no answer within 300ms'
	run -1 ctl ready
	assert_output --partial "not ready: silent, flood, app"

	wait_until logged_at_least 3 "silent[2] not ready yet: no answer"
	# The notice of what waits says what the check last found.
	wait_until log_has "app waits for silent to be ready: 10s (silent[2] is running but its ready check has not passed: no answer within 300ms, no ready-timeout)"
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
}

@test "health: failing retries times in a row stops the program; its restart policy starts it again" {
	touch "$S/ok"
	write_conf <<-EOF
		restart { delay = 100ms }
		program web {
			command = { "sh", "-c", "echo run >>$S/runs; exec $SRV $PORT healthy $S/ok" }
			restart = always
			health {
				check = "http://127.0.0.1:$PORT/"
				interval = 200ms
				timeout = 2s
				retries = 2
			}
		}
	EOF
	pid1_start -v -c "$CONF"
	wait_until health_is web healthy
	run -0 ctl status
	assert_output --regexp 'web +running .* healthy .*\(check: HTTP 200\)'
	run -0 ctl health web
	run -0 ctl health
	rm "$S/ok"
	wait_until log_has "web[2] health check failed (2 of 2 in a row): HTTP 500"
	wait_until log_has "web[2] unhealthy: its health check failed 2 times in a row (HTTP 500): stopping it"
	wait_until has_lines "$S/runs" 2 run
	log_has "restarting web in 100ms"
	touch "$S/ok"
	wait_until health_is web healthy
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
}

@test "pid1 ctl health [NAME]: 0 when ready and passing, 1 otherwise; status and --json show it" {
	write_conf <<-EOF
		program good {
			command = { "sleep", "100" }
			health {
				check = exec
				command = { "true" }
				interval = 200ms
			}
		}
		program sick {
			command = { "sleep", "100" }
			health {
				check = exec
				command = { "sh", "-c", "exit 3" }
				interval = 200ms
				retries = 1000
			}
		}
		program plain {
			command = { "sleep", "100" }
		}
		program slow {
			command = { "sleep", "100" }
			health {
				check = exec
				command = { "sleep", "31.5" }
				interval = 100ms
				timeout = 300ms
				retries = 1000
			}
		}
	EOF
	pid1_start -v -c "$CONF"
	wait_until health_is sick unhealthy
	wait_until health_is good healthy
	run -0 ctl health good
	assert_output --partial "good is running, healthy: exited with status 0"
	run -0 ctl health plain
	run -1 ctl health sick
	assert_output --partial "sick is running, unhealthy: exited with status 3"
	run -1 ctl health
	assert_output --partial "not healthy: sick"
	run -1 ctl health nosuch
	# A command past its timeout is killed: one at a time, never piling up.
	wait_until log_has "slow[5] health check failed (3 of 1000 in a row): still running after 300ms"
	[ "$(pgrep -fc 'sleep 31.5')" -le 1 ]
	run -0 ctl status --json
	assert_output --partial '"name": "sick"'
	assert_output --regexp '"health": "unhealthy: exited with status 3 \([0-9]+ of 1000\)"'
	assert_output --partial '"health": null'
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
}

@test "ready = log:REGEX: what comes after starts at the first line that matches, not before" {
	log_then_app prefix "echo starting; sleep 2; touch $S/printed; echo listening on 8080" \
		'^listening on [0-9]+$' "$S/printed"
	pid1_start -v -c "$CONF"
	started_after
	log_has "web[2] ready after"
	file_has "$S/out" "web: starting"
	file_has "$S/out" "web: listening on 8080"
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
}

@test "ready = log:REGEX: a line on stderr counts too, with output = json; pid1 ctl ready follows it" {
	log_then_app json "echo listening on 80 and more; while [ ! -e $S/go ]; do sleep 0.1; done; echo 'listening on 8080' >&2" \
		'listening on [0-9]+$' "$S/go"
	pid1_start -v -c "$CONF"
	# A line that does not match leaves it starting, and pid1 not ready.
	wait_until grep -qF '"line":"listening on 80 and more"' "$S/out"
	state_is web starting
	[ ! -e "$S/app" ]
	run -1 ctl ready
	assert_output --partial "not ready: web"
	touch "$S/go"
	started_after
	grep -qF '"stream":"stderr","line":"listening on 8080"' "$S/err"
	wait_until state_is app running
	run -0 ctl ready
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
}

@test "ready = log:REGEX: a line cut for length is matched on its first piece only" {
	# x and 9000 r: its first piece does not match ^r+$, those after it would.
	log_then_app prefix "printf 'x%9000s\\\\n' '' | tr ' ' r; echo shown; while [ ! -e $S/go ]; do sleep 0.1; done; echo rr" \
		'^r+$' "$S/go"
	pid1_start -v -c "$CONF"
	wait_until file_has "$S/out" "web: shown"
	[ "$(grep -c '^web: rrrr' "$S/out")" -ge 1 ]
	state_is web starting
	[ ! -e "$S/app" ]
	touch "$S/go"
	started_after
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
}

@test "ready = log:REGEX: ready-timeout stops a program that never prints it; a restart needs a new match" {
	write_conf <<-EOF
		output = prefix
		program mute {
			command = { "sh", "-c", "echo nothing to see; exec sleep 100" }
			ready = log:ready
			ready-timeout = 500ms
			restart = no
		}
		program web {
			command = { "sh", "-c", "if [ -e $S/ran ]; then while [ ! -e $S/go ]; do sleep 0.1; done; fi; touch $S/ran; echo ready; exec sleep 100" }
			ready = log:ready
		}
	EOF
	pid1_start -v -c "$CONF"
	wait_until log_has "mute[2] not ready within its ready-timeout of 500ms: stopping it"
	wait_until state_is web running
	# Its first start's line does not make its second ready.
	run -3 ctl -t 1 restart web
	assert_output --partial "not ready after"
	state_is web starting
	touch "$S/go"
	wait_until state_is web running
	wait_until state_is mute ended
	send_to_pid1 TERM
	pid1_wait
}

@test "ready = log:REGEX needs output = prefix or json; a bad REGEX is an error naming its line" {
	cat >"$CONF" <<-EOF
		program web {
			command = { "web" }
			ready = "log:listening"
		}
	EOF
	run -2 "$PID1" -n -c "$CONF"
	assert_output --partial "$CONF:4: program 'web' has ready = log:... but output = raw"
	# The top level's output counts.
	sed -i '1i output = json' "$CONF"
	run -0 "$PID1" -n -c "$CONF"
	sed -i 's/ready = .*/ready = "log:listening on (8080"/' "$CONF"
	run -2 "$PID1" -n -c "$CONF"
	assert_output --partial "$CONF:4: bad regular expression 'listening on (8080' for option 'ready'"
	sed -i 's/ready = .*/ready = "log:"/' "$CONF"
	run -2 "$PID1" -n -c "$CONF"
	assert_output --partial "$CONF:4: option 'ready' takes log:REGEX"
}

@test "ready = log:REGEX added by a reload needs the output pid1 started with" {
	write_conf <<-EOF
		program web { command = { "sleep", "100" } }
	EOF
	pid1_start -c "$CONF"
	wait_until state_is web running
	write_conf <<-EOF
		output = prefix
		program web {
			command = { "sleep", "100" }
			ready = log:up
		}
	EOF
	run -1 ctl reload
	assert_output --partial "program 'web': ready = log:... needs output = prefix or json; the top level's is raw (pid1 must restart)"
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
}

@test "pid1 -n prints the checks' keys, and what it prints loads back the same" {
	write_conf <<-EOF
		program db {
			command = { "db" }
			ready = tcp:5432
			ready-interval = 250ms
		}
		program web {
			command = { "web" }
			ready = "http://[::1]:8080/ready"
			health {
				check = exec
				command = { "web-ctl", "ping" }
				interval = 5s
				timeout = 1s
				retries = 4
				start-period = 30s
			}
		}
		program api {
			command = { "api" }
			output = json
			ready = 'log:^listening on "?[0-9]+\\.\$'
		}
	EOF
	run -0 "$PID1" -n -c "$CONF"
	assert_line --partial 'ready = "log:^listening on \"?[0-9]+\\.\$"'
	assert_line --partial 'ready = "tcp:5432"'
	assert_line --partial 'ready-interval = 250ms'
	assert_line --partial 'ready = "http://[::1]:8080/ready"'
	assert_line --partial 'check = "exec"'
	assert_line --partial 'command = { "web-ctl", "ping" }'
	assert_line --partial 'start-period = 30s'
	assert_line --partial 'retries = 4'
	echo "$output" >"$S/printed.conf"
	run -0 "$PID1" -n -c "$S/printed.conf"
	diff <(echo "$output") "$S/printed.conf"
}

@test "the example with checks runs: its programs become ready and healthy" {
	sed "s/8080/$PORT/g" "$PID1_SRCDIR/examples/health.conf" >"$S/health.conf"
	pid1_start -v -c "$S/health.conf"
	wait_until health_is web healthy
	run -0 ctl health
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
}
