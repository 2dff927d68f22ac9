#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# A real stack under pid1, examples/stack/pid1.conf as shipped but for its directory and
# ports: Debian's postgres 15 and redis 7 (each saying READY=1 on pid1's notify socket), a
# migration, a Python application and nginx in front of it, each as its own user. pid1 runs
# as the real PID 1 of a fresh PID namespace. The order of events is read from pid1's log
# and from what the programs themselves say, in the order pid1 passed it on: one cause
# before its effect, never a timing threshold.
#
# Without the packages (postgresql-15, redis-server, nginx, python3) the file is skipped,
# except in strict mode (CI), where it fails.
# shellcheck disable=SC2154 # bats sets $status

bats_require_minimum_version 1.5.0
load lib/pid1

PGBIN=/usr/lib/postgresql/15/bin

# missing_package: the first thing the stack needs that is not installed, as a reason.
missing_package() {
	local pair
	for pair in "$PGBIN/postgres:postgresql-15" "$PGBIN/initdb:postgresql-15" \
		"$PGBIN/psql:postgresql-client-15" "/usr/bin/redis-server:redis-server" \
		"/usr/sbin/nginx:nginx" "/usr/bin/python3:python3"; do
		[ -x "${pair%%:*}" ] || {
			echo "${pair%%:*} is not installed (Debian: ${pair#*:})"
			return 0
		}
	done
	for pair in postgres redis www-data nobody; do
		id "$pair" >/dev/null 2>&1 || {
			echo "no user $pair (made by the packages)"
			return 0
		}
	done
}

# free_ports N: N TCP ports of 127.0.0.1 that no one listens on now, one a line.
free_ports() {
	python3 - "$1" <<-'EOF'
		import socket, sys
		socks = [socket.socket() for _ in range(int(sys.argv[1]))]
		for s in socks:
		    s.bind(("127.0.0.1", 0))
		print("\n".join(str(s.getsockname()[1]) for s in socks))
	EOF
}

# The example's files in a directory of the file's own, which the programs' users can
# enter (bats's are root's alone), on ports that are free here: the host's own postgres,
# redis or nginx, if any, are neither used nor disturbed. The cluster is made by the first
# start and found by the later ones.
setup_file() {
	SKIP_REASON=$(missing_package)
	export SKIP_REASON
	[ -z "$SKIP_REASON" ] || return 0
	STACK=$(mktemp -d /tmp/pid1-stack.XXXXXX)
	chmod 755 "$STACK"
	local f ports
	for f in app.py client.py migrate.sql nginx.conf pid1.conf; do
		cp "$PID1_SRCDIR/examples/stack/$f" "$STACK/"
	done
	mapfile -t ports < <(free_ports 4)
	PG_PORT=${ports[0]}
	REDIS_PORT=${ports[1]}
	APP_PORT=${ports[2]}
	WEB_PORT=${ports[3]}
	sed -i -e "s|^workdir = /srv/stack\$|workdir = $STACK|" -e "s/15432/$PG_PORT/g" \
		-e "s/16379/$REDIS_PORT/g" -e "s/18000/$APP_PORT/g" "$STACK/pid1.conf"
	sed -i -e "s/18000/$APP_PORT/g" -e "s/18080/$WEB_PORT/g" "$STACK/nginx.conf"
	grep -qx "workdir = $STACK" "$STACK/pid1.conf"
	export STACK PG_PORT REDIS_PORT APP_PORT WEB_PORT
}

teardown_file() {
	if [ -n "${STACK:-}" ]; then
		rm -rf "$STACK"
	fi
}

setup() {
	[ -z "$SKIP_REASON" ] || skip_or_fail "$SKIP_REASON"
	export PID1_RUNTIME_DIR="$BATS_TEST_TMPDIR/run"
	ERR=$BATS_TEST_TMPDIR/err
	OUT=$BATS_TEST_TMPDIR/out
	# initdb, on a slow machine, and the five programs' start.
	export WAIT_SECONDS=60
}

# A pid1 that froze must not outlive its test: its namespace, the stack in it, goes with it.
teardown() {
	if [ -n "${PID1_PID:-}" ] && kill -0 "$PID1_PID" 2>/dev/null; then
		kill -KILL "$PID1_PID" 2>/dev/null || true
		wait "$PID1_OUTER" 2>/dev/null || true
	fi
}

# line_of REGEX [FILE]: the number of the first line of FILE (pid1's stderr) matching the
# extended REGEX; fails, naming it, when none does.
line_of() {
	local n
	n=$(grep -n -m 1 -E -- "$1" "${2:-$ERR}" | cut -d: -f1)
	[ -n "$n" ] || {
		echo "no line matches: $1" >&2
		return 1
	}
	echo "$n"
}

# before A B: the first line matching A comes before the first matching B in pid1's stderr.
before() {
	local a b
	a=$(line_of "$1") && b=$(line_of "$2") || return 1
	[ "$a" -lt "$b" ] || {
		echo "'$1' (line $a) is not before '$2' (line $b)" >&2
		return 1
	}
}

has_line() {
	grep -q -E -- "$1" "${2:-$ERR}"
}

# line_or_gone REGEX: pid1's stderr has a line matching REGEX, or pid1 has exited.
line_or_gone() {
	has_line "$1" || ! kill -0 "$PID1_PID" 2>/dev/null
}

# wait_for_line REGEX: waits for a line of pid1's stderr matching REGEX; fails with pid1's
# stderr as soon as pid1 has exited without one.
wait_for_line() {
	wait_until line_or_gone "$1"
	if ! has_line "$1"; then
		fail "no line matching '$1' in pid1's stderr: $(cat "$ERR")"
	fi
}

# start_stack: pid1 with the stack, until nginx answers through to postgres.
start_stack() {
	pid1_start -v -c "$STACK/pid1.conf"
	wait_for_line '^app: [0-9.]+ app: listening on'
	wait_for_line 'nginx\[[0-9]+\] started'
	wait_until python3 "$STACK/client.py" 1 "$WEB_PORT" 2>/dev/null >&2
}

# stop_stack: SIGTERM, and pid1's exit status as $status.
stop_stack() {
	send_to_pid1 TERM
	pid1_wait
}

# The postgres log of this start: it found the cluster shut down cleanly, with no recovery.
assert_clean_start() {
	has_line '^postgres: .*database system was shut down at' ||
		fail "postgres did not find a clean shutdown: $(grep '^postgres:' "$ERR")"
	if has_line '^postgres: .*(not properly shut down|automatic recovery|interrupted)'; then
		fail "postgres needed recovery: $(grep '^postgres:' "$ERR")"
	fi
}

@test "postgres's and redis's READY=1 gate the start: migrate once postgres is ready, the app after it and redis, nginx last" {
	start_stack
	# pid1's own account: each start follows what it waits for.
	before 'postgres\[[0-9]+\] ready after' 'migrate\[[0-9]+\] started'
	before 'migrate\[[0-9]+\] exited with status 0' 'app\[[0-9]+\] started'
	before 'redis\[[0-9]+\] ready after' 'app\[[0-9]+\] started'
	before 'app\[[0-9]+\] started' 'nginx\[[0-9]+\] started'
	# The readiness was the programs' own: redis's READY=1 came with its STATUS=.
	has_line 'redis: status: Ready to accept connections'
	# And the app's: at its start the migration's table was there, and postgres (by its
	# clock, the same as the app's) was ready before the app started.
	has_line '^app: [0-9.]+ app: at start the database says: hello from postgres$'
	local ready started
	ready=$(sed -n -E 's/^postgres: ([0-9.]+) .*ready to accept connections$/\1/p' "$ERR" | tail -n 1)
	started=$(sed -n -E 's/^app: ([0-9.]+) app: started.*/\1/p' "$ERR")
	python3 -c 'import sys; sys.exit(not float(sys.argv[1]) <= float(sys.argv[2]))' \
		"$ready" "$started" || fail "postgres ready at $ready, the app started at $started"
	stop_stack
	[ "$status" -eq 0 ]
}

@test "120 of 120 requests through nginx are answered 200 with postgres's row" {
	start_stack
	run -0 python3 "$STACK/client.py" 120 "$WEB_PORT"
	assert_output "120 of 120"
	stop_stack
	[ "$status" -eq 0 ]
}

# redis_readies: how many times pid1 logged redis ready.
redis_readies() {
	grep -c -E 'redis\[[0-9]+\] ready after' "$ERR"
}

redis_readies_are() {
	[ "$(redis_readies)" -eq "$1" ]
}

@test "pid1 ctl restart redis restarts redis alone: postgres, the app and nginx keep their pids" {
	start_stack
	local pg app web redis
	pg=$(pid_of postgres) app=$(pid_of app) web=$(pid_of nginx) redis=$(pid_of redis)
	[ -n "$pg" ] && [ -n "$app" ] && [ -n "$web" ] && [ -n "$redis" ]
	[ "$(redis_readies)" -eq 1 ]
	run -0 "$PID1" ctl restart redis
	# A new redis, ready by its own READY=1 again.
	wait_until redis_readies_are 2
	[ "$(pid_of redis)" != "$redis" ]
	[ "$(pid_of postgres)" = "$pg" ]
	[ "$(pid_of app)" = "$app" ]
	[ "$(pid_of nginx)" = "$web" ]
	# The app reaches the new redis.
	run -0 python3 "$STACK/client.py" 5 "$WEB_PORT"
	assert_output "5 of 5"
	run ! has_line '(postgres|app|nginx)\[[0-9]+\] exited'
	stop_stack
	[ "$status" -eq 0 ]
}

@test "SIGTERM stops nginx first with SIGQUIT, gracefully, then the app, then postgres cleanly, then redis" {
	start_stack
	stop_stack
	[ "$status" -eq 0 ]
	# nginx got SIGQUIT from PID 1 and shut down gracefully (SIGTERM would be "exiting").
	local nginx_log=$STACK/data/nginx/logs/error.log
	has_line 'signal 3 \(SIGQUIT\) received from 1, shutting down' "$nginx_log"
	has_line 'gracefully shutting down' "$nginx_log"
	run ! has_line 'signal 15 \(SIGTERM\)' "$nginx_log"
	# nginx had exited before the app was signalled; the app before postgres was.
	before 'nginx\[[0-9]+\] exited with status 0' '^app: [0-9.]+ app: SIGTERM received'
	before '^app: [0-9.]+ app: SIGTERM received' 'app\[[0-9]+\] exited with status 0'
	before 'app\[[0-9]+\] exited with status 0' '^postgres: .*received fast shutdown request'
	# postgres shut down cleanly (its fast shutdown: SIGINT) before redis was asked to stop.
	before '^postgres: .*database system is shut down' 'postgres\[[0-9]+\] exited with status 0'
	before 'postgres\[[0-9]+\] exited with status 0' 'redis: stopping'
	before 'redis: stopping' 'redis\[[0-9]+\] exited with status 0'
	grep -q 'Redis is now ready to exit' "$OUT"
	# Its next start needs no recovery.
	mv "$ERR" "$BATS_TEST_TMPDIR/err.first"
	start_stack
	assert_clean_start
	stop_stack
	[ "$status" -eq 0 ]
}

@test "the essential app killed by SIGKILL ends the container with 137, postgres shut down cleanly" {
	start_stack
	local app
	app=$(pid_of app)
	[ -n "$app" ]
	# The app's pid outside pid1's namespace: the process whose last NSpid is that pid.
	local p outer=
	for p in $(descendants "$PID1_PID"); do
		if awk -v n="$app" '/^NSpid:/ { exit !($NF == n) }' "/proc/$p/status" 2>/dev/null; then
			outer=$p
		fi
	done
	[ -n "$outer" ]
	kill -KILL "$outer"
	pid1_wait
	[ "$status" -eq 137 ]
	has_line 'app\[[0-9]+\] killed by SIGKILL'
	has_line '^postgres: .*database system is shut down'
	run ! has_line '^app: [0-9.]+ app: SIGTERM received'
}
