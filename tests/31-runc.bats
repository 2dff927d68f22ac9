#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# pid1 under a real OCI runtime: runc runs a bundle whose root holds a static busybox and the
# static pid1 as the container's process ["/pid1", "-c", "/etc/pid1.conf", "--", ...], with
# the config and an output directory bind-mounted in. Everything is checked from outside:
# who is PID 1, what `runc kill` sets off, what `runc run` exits with, and that nothing of the
# container is left behind. runc keeps its state under the test's own --root.
#
# The static binary is $PID1_STATIC, else $PID1 when that build is static. Without either the
# file is skipped, except in strict mode (CI), where it configures and builds one itself.

bats_require_minimum_version 1.5.0
load lib/pid1

runc_() {
	runc --root "$RUNC_ROOT" "$@"
}

# make_rootfs DIR: busybox with a link for each applet, /pid1, and mount points for the
# config and the output directory. The container sees it read-only.
make_rootfs() {
	local applet
	mkdir -p "$1"/bin "$1"/dev "$1"/etc "$1"/proc "$1"/shared "$1"/sys "$1"/tmp
	cp "$BUSYBOX" "$1/bin/busybox"
	for applet in $("$BUSYBOX" --list); do
		[ "$applet" = busybox ] || ln -s busybox "$1/bin/$applet"
	done
	: >"$1/etc/pid1.conf"
	cp "$STATIC_PID1" "$1/pid1"
}

# What the tests need is worked out once, and a first container is started to see whether
# runc works here at all; bats cannot skip from setup_file, so each test's setup skips with
# the reason, which includes runc's own error message: when runc itself cannot start a
# container that is a SKIP even in strict mode; a missing package fails in strict mode.
setup_file() {
	SKIP_REASON=
	BUSYBOX=${PID1_BUSYBOX:-/bin/busybox}
	RUNC_ROOT=$BATS_FILE_TMPDIR/runc
	ROOTFS=$BATS_FILE_TMPDIR/rootfs
	STATIC_PID1=
	RUNTIME_BROKEN=
	export SKIP_REASON RUNTIME_BROKEN BUSYBOX RUNC_ROOT ROOTFS STATIC_PID1
	if ! command -v runc >/dev/null; then
		SKIP_REASON="runc is not installed (Debian: apt-get install runc)"
	elif ! command -v python3 >/dev/null; then
		SKIP_REASON="python3 is needed to build the bundles (Debian: python3)"
	else
		find_static_tree
	fi
	[ -z "$SKIP_REASON" ] || return 0
	make_rootfs "$ROOTFS"
	probe_runc
}

# probe_runc: runs one container that exits at once; on failure sets SKIP_REASON.
probe_runc() {
	local BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR/probe
	local NAME=pid1-probe-$$ SHARED=$BATS_FILE_TMPDIR/probe/shared
	local err=$BATS_TEST_TMPDIR/probe.err
	mkdir -p "$BATS_TEST_TMPDIR"
	printf '' >"$BATS_TEST_TMPDIR/pid1.conf"
	make_bundle /bin/true
	if ! container_run >/dev/null 2>"$err"; then
		SKIP_REASON="runc cannot start a container here: $(tr '\n' ' ' <"$err")"
		# The machine, not pid1, is at fault: a SKIP that says why, even in strict mode.
		RUNTIME_BROKEN=1
		echo "# $SKIP_REASON" >&3
		runc_ delete -f "$NAME" >/dev/null 2>&1 || true
	fi
}

# A short ladder, so that a test walking down it takes seconds rather than nine.
write_conf() {
	cat >"$BATS_TEST_TMPDIR/pid1.conf" <<-'EOF'
		# pid1.conf for the runc tests
		shutdown {
		    step SIGINT  { grace = 1s }
		    step SIGTERM { grace = 1s }
		    step SIGKILL { grace = 1s }
		}
	EOF
}

# make_bundle CMD...: a bundle in $BATS_TEST_TMPDIR/bundle whose process is pid1 running
# CMD, from `runc spec` edited: no terminal, the shared root, the config and $SHARED mounted.
make_bundle() {
	local bundle=$BATS_TEST_TMPDIR/bundle
	rm -rf "$bundle"
	mkdir -p "$bundle" "$SHARED"
	runc spec --bundle "$bundle"
	python3 - "$bundle/config.json" "$ROOTFS" "$BATS_TEST_TMPDIR/pid1.conf" "$SHARED" \
		"$@" <<-'EOF'
		import json, sys
		path, rootfs, conf, shared, *cmd = sys.argv[1:]
		with open(path) as f:
		    spec = json.load(f)
		spec["root"] = {"path": rootfs, "readonly": True}
		spec["process"]["terminal"] = False
		spec["process"]["args"] = ["/pid1", "-c", "/etc/pid1.conf", "--"] + cmd
		spec["mounts"] += [
		    {"destination": "/etc/pid1.conf", "type": "bind", "source": conf,
		     "options": ["rbind", "ro"]},
		    {"destination": "/shared", "type": "bind", "source": shared,
		     "options": ["rbind", "rw"]},
		]
		with open(path, "w") as f:
		    json.dump(spec, f, indent=1)
	EOF
	BUNDLE=$bundle
}

# container_run: `runc run` in the foreground, for `run`; its exit code is the container's.
container_run() {
	timeout -k 5 "$PID1_TIMEOUT" runc --root "$RUNC_ROOT" run --bundle "$BUNDLE" "$NAME" \
		</dev/null
}

# container_start: the same in the background; output in $BATS_TEST_TMPDIR/out and err.
container_start() {
	container_run >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	CONTAINER_JOB=$!
}

# container_wait: waits for `runc run` to end; its exit code becomes $status.
container_wait() {
	status=0
	wait "$CONTAINER_JOB" || status=$?
}

# container_gone: `runc run` has ended (a zombie not yet waited for counts as ended).
container_gone() {
	local rest
	rest=$(sed 's/.*) //' "/proc/$CONTAINER_JOB/stat" 2>/dev/null) || return 0
	[ "${rest%% *}" = Z ]
}

# state_field KEY: a field of `runc state` for the container.
state_field() {
	runc_ state "$NAME" | python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

# assert_no_state: runc knows nothing more of the container.
assert_no_state() {
	run -0 runc_ list -q
	! grep -qxF -- "$NAME" <<<"$output" || fail "runc list still shows $NAME"
	run ! runc_ state "$NAME"
	[ ! -e "$RUNC_ROOT/$NAME" ] || fail "runc left $RUNC_ROOT/$NAME behind"
}

setup() {
	[ -z "${RUNTIME_BROKEN:-}" ] || skip "$SKIP_REASON"
	[ -z "$SKIP_REASON" ] || skip_or_fail "$SKIP_REASON"
	NAME=pid1-test-$$-$BATS_TEST_NUMBER
	SHARED=$BATS_TEST_TMPDIR/shared
	CONTAINER_JOB=
	write_conf
}

teardown() {
	runc_ delete -f "$NAME" >/dev/null 2>&1 || true
	if [ -n "$CONTAINER_JOB" ]; then
		wait "$CONTAINER_JOB" || true
	fi
}

@test "pid1 is PID 1 of the runc container and its child's exit code is runc's" {
	# shellcheck disable=SC2016 # for the container's shell
	make_bundle /bin/sh -c '
		tr "\0" " " </proc/1/cmdline >/shared/cmdline
		echo $$ >/shared/child
		exit 3'
	run -3 container_run
	run cat "$SHARED/cmdline"
	assert_output --regexp '^/pid1 -c /etc/pid1\.conf -- /bin/sh -c '
	run cat "$SHARED/child"
	assert_output --regexp '^[0-9]+$'
	refute_output 1
	assert_no_state
}

@test "runc kill TERM reaches pid1, whose ladder enters at its SIGTERM step" {
	make_bundle /bin/sh -c '
		trap "echo SIGINT >>/shared/sigs" INT
		trap "echo SIGTERM >>/shared/sigs; exit 7" TERM
		echo ready >/shared/ready
		while :; do sleep 0.05; done'
	container_start
	wait_until file_has "$SHARED/ready" ready
	[ "$(state_field status)" = running ]
	# The container's init, seen from outside, is pid1.
	run tr '\0' ' ' <"/proc/$(state_field pid)/cmdline"
	assert_output --regexp '^/pid1 -c /etc/pid1\.conf -- '
	runc_ kill "$NAME" TERM
	container_wait
	[ "$status" -eq 7 ] || fail "runc run exited $status, expected 7: $(cat "$BATS_TEST_TMPDIR/err")"
	run cat "$SHARED/sigs"
	assert_output SIGTERM
	run cat "$BATS_TEST_TMPDIR/err"
	refute_output --partial 'shutdown step 1/3: SIGINT'
	assert_output --partial 'shutdown step 2/3: SIGTERM'
	assert_no_state
}

@test "a child that ignores SIGINT and SIGTERM is ended by pid1's ladder, not by a timeout" {
	make_bundle /bin/sh -c '
		trap "" INT TERM
		echo ready >/shared/ready
		while :; do sleep 0.05; done'
	container_start
	wait_until file_has "$SHARED/ready" ready
	local start took
	start=$(now_ms)
	runc_ kill "$NAME" TERM
	# Our own stop timeout: had pid1's ladder not ended the container by then, a runtime
	# would have to kill it.
	if ! WAIT_SECONDS=15 wait_until container_gone; then
		runc_ kill "$NAME" KILL || true
		fail "the container still ran 15 s after runc kill TERM"
	fi
	took=$(($(now_ms) - start))
	container_wait
	[ "$status" -eq 137 ] || fail "runc run exited $status, expected 137"
	# Entered at SIGTERM, the ladder has one grace of 1 s before SIGKILL.
	[ "$took" -ge 900 ] || fail "the ladder took ${took} ms, less than its SIGTERM grace of 1 s"
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output --partial 'shutdown step 3/3: SIGKILL'
	assert_no_state
}

@test "runc run exits with pid1's exit code: 0, 3, 127 and 137" {
	make_bundle /bin/true
	run -0 container_run
	make_bundle /bin/sh -c 'exit 3'
	run -3 container_run
	make_bundle /no/such/program
	run -127 container_run
	assert_output --partial /no/such/program
	# shellcheck disable=SC2016 # for the container's shell
	make_bundle /bin/sh -c 'kill -KILL $$'
	run -137 container_run
	assert_no_state
}

@test "runc kill KILL ends pid1 and every process in the container, leaving no state" {
	make_bundle /bin/sh -c '
		sleep 60 &
		echo ready >/shared/ready
		exec sleep 60'
	container_start
	wait_until file_has "$SHARED/ready" ready
	local pids pid
	pids=$(runc_ ps --format json "$NAME" | python3 -c 'import json, sys; print(*json.load(sys.stdin))')
	[ "$(wc -w <<<"$pids")" -ge 3 ] || fail "expected pid1 and two sleeps, got: $pids"
	runc_ kill "$NAME" KILL
	container_wait
	[ "$status" -eq 137 ] || fail "runc run exited $status, expected 137"
	for pid in $pids; do
		[ ! -d "/proc/$pid" ] || fail "process $pid of the container survived"
	done
	assert_no_state
}
