#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# pid1 under Docker's own daemon. The file starts a private dockerd (its own data root, exec
# root, socket, containerd namespace and cgroup parent; vfs storage, no network set-up) with
# --init-path pointing at the static pid1, so `docker run --init` makes pid1 the container's
# init exactly as a Docker user gets it. Images come only from `docker import` of a tarball
# holding a static busybox and /pid1: nothing is pulled. Every container runs with no network.
#
# The static binary is $PID1_STATIC, else $PID1 when that build is static. Without either the
# file is skipped, except in strict mode (CI), where it configures and builds one itself. A
# dockerd that cannot start or run a container here is a SKIP that says why, even in strict
# mode: the machine, not pid1, is at fault. A missing package fails in strict mode.

bats_require_minimum_version 1.5.0
load lib/pid1
load lib/docker

# The program Docker and Kubernetes document: it handles SIGTERM, finishing its work for half
# a second before it exits 0, and leaves SIGINT at its default. It notes who its PID 1 is.
GRACEFUL='
	tr "\0" " " </proc/1/cmdline >/out/init
	trap "sleep 0.5; echo cleaned >/out/result; exit 0" TERM
	echo ready >/out/ready
	while :; do sleep 0.05; done'

# docker run's options for every container: no network, and no AppArmor profile (a host with
# AppArmor but without apparmor_parser could not load Docker's).
RUN_OPTS=(--network none --security-opt apparmor=unconfined)

# make_tarball: busybox with a link for each applet, the static pid1 as /pid1 with an empty
# config, and a mount point for the output directory, as one tarball for `docker import`.
make_tarball() {
	local root=$BATS_FILE_TMPDIR/rootfs applet
	mkdir -p "$root"/bin "$root"/etc "$root"/out "$root"/tmp
	chmod 1777 "$root/tmp"
	cp "$BUSYBOX" "$root/bin/busybox"
	for applet in $("$BUSYBOX" --list); do
		[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
	done
	cp "$STATIC_PID1" "$root/pid1"
	: >"$root/etc/pid1.conf"
	tar -C "$root" -cf "$BATS_FILE_TMPDIR/rootfs.tar" .
}

# probe_docker: imports the images and runs one plain container (no --init, so pid1 is not
# yet involved); on failure sets SKIP_REASON and RUNTIME_BROKEN.
probe_docker() {
	local err=$BATS_FILE_TMPDIR/probe.err
	if ! dk import "$BATS_FILE_TMPDIR/rootfs.tar" pid1-busybox >/dev/null 2>"$err" ||
		! dk import --change 'ENTRYPOINT ["/pid1", "-c", "/etc/pid1.conf", "--"]' \
			"$BATS_FILE_TMPDIR/rootfs.tar" pid1-entrypoint >/dev/null 2>>"$err" ||
		! dk run --rm "${RUN_OPTS[@]}" pid1-busybox /bin/true >/dev/null 2>>"$err"; then
		SKIP_REASON="docker cannot run a container here: $(tr '\n' ' ' <"$err")"
		RUNTIME_BROKEN=1
	fi
}

# Bats cannot skip from setup_file, so each test's setup skips with the reason worked out
# here (or fails, in strict mode, unless the daemon itself cannot work on this machine).
setup_file() {
	SKIP_REASON=
	RUNTIME_BROKEN=
	BUSYBOX=${PID1_BUSYBOX:-/bin/busybox}
	STATIC_PID1=
	export SKIP_REASON RUNTIME_BROKEN BUSYBOX STATIC_PID1
	docker_vars
	if ! command -v dockerd >/dev/null || ! command -v "$DOCKER_CLI" >/dev/null; then
		SKIP_REASON="dockerd is not installed (Debian: apt-get install docker.io)"
	else
		find_static_tree
	fi
	[ -z "$SKIP_REASON" ] || return 0
	make_tarball
	start_dockerd --init-path="$STATIC_PID1"
	[ -n "$RUNTIME_BROKEN" ] || probe_docker
	if [ -n "$RUNTIME_BROKEN" ]; then
		echo "# $SKIP_REASON" >&3
	else
		echo "# docker client $DOCKER_CLI, server $(dk version -f '{{.Server.Version}}')" >&3
	fi
}

teardown_file() {
	stop_dockerd
}

setup() {
	[ -z "${RUNTIME_BROKEN:-}" ] || skip "$SKIP_REASON"
	[ -z "$SKIP_REASON" ] || skip_or_fail "$SKIP_REASON"
	NAME=pid1-test-$$-$BATS_TEST_NUMBER
	OUT=$BATS_TEST_TMPDIR/out
	mkdir -p "$OUT"
}

teardown() {
	dk rm -f "$NAME" >/dev/null 2>&1 || true
}

# dk_run ARGS...: docker run with RUN_OPTS and the output directory as /out.
dk_run() {
	dk run "${RUN_OPTS[@]}" -v "$OUT:/out" "$@"
}

# exit_code: the container's exit code, as Docker recorded it.
exit_code() {
	dk inspect -f '{{.State.ExitCode}}' "$NAME"
}

# stop_graceful: docker stop on a container running $GRACEFUL; checks that it got to do its
# clean-up and exited 0 well before Docker's own SIGKILL.
stop_graceful() {
	local start took code
	wait_until file_has "$OUT/ready" ready
	start=$(now_ms)
	dk stop -t 10 "$NAME" >/dev/null
	took=$(($(now_ms) - start))
	code=$(exit_code)
	echo "# docker stop took $took ms, exit code $code" >&3
	[ "$code" -eq 0 ] || fail "the container exited $code, expected 0: $(dk logs "$NAME" 2>&1)"
	run cat "$OUT/result"
	assert_output cleaned
	[ "$took" -lt 9000 ] || fail "docker stop took $took ms: Docker's SIGKILL came near"
	run dk logs "$NAME"
	assert_output --partial 'shutdown step 2/3: SIGTERM'
	refute_output --partial 'shutdown step 1/3: SIGINT'
}

@test "docker stop under docker run --init: a program handling only SIGTERM cleans up, exits 0" {
	dk_run -d --init --name "$NAME" pid1-busybox sh -c "$GRACEFUL" >/dev/null
	stop_graceful
	# Docker's own init is pid1, from --init-path.
	run cat "$OUT/init"
	assert_output --regexp '^/sbin/docker-init -- sh -c '
	run dk_run --rm --init pid1-busybox /sbin/docker-init --version
	assert_output --regexp '^pid1 '
}

@test "docker stop with pid1 as the image's entrypoint: the same program cleans up, exits 0" {
	dk_run -d --name "$NAME" pid1-entrypoint sh -c "$GRACEFUL" >/dev/null
	stop_graceful
	run cat "$OUT/init"
	assert_output --regexp '^/pid1 -c /etc/pid1\.conf -- sh -c '
}

@test "docker kill --signal INT enters the ladder at its SIGINT step" {
	dk_run -d --init --name "$NAME" pid1-busybox sh -c '
		trap "echo SIGTERM >>/out/sigs; exit 7" TERM
		trap "echo SIGINT >>/out/sigs; exit 0" INT
		echo ready >/out/ready
		while :; do sleep 0.05; done' >/dev/null
	wait_until file_has "$OUT/ready" ready
	dk kill --signal INT "$NAME" >/dev/null
	run -0 dk wait "$NAME"
	assert_output 0
	run cat "$OUT/sigs"
	assert_output SIGINT
	run dk logs "$NAME"
	assert_output --partial 'shutdown step 1/3: SIGINT'
}

@test "docker run --init passes the exit code on: 0, 3, 127 and 137" {
	run -0 dk_run --rm --init pid1-busybox true
	run -3 dk_run --rm --init pid1-busybox sh -c 'exit 3'
	run -127 dk_run --rm --init pid1-busybox /no/such/program
	assert_output --partial /no/such/program
	# shellcheck disable=SC2016 # for the container's shell
	run -137 dk_run --rm --init pid1-busybox sh -c 'kill -KILL $$'
}

@test "docker stop waits for a docker exec session's process, which is not pid1's child" {
	dk_run -d --init --name "$NAME" pid1-busybox sh -c '
		echo ready >/out/ready
		while :; do sleep 0.05; done' >/dev/null
	wait_until file_has "$OUT/ready" ready
	# shellcheck disable=SC2016 # for the container's shell
	dk exec -d "$NAME" sh -c '
		trap "sleep 1; echo finished >/out/exec; exit 0" INT TERM
		echo "$PPID" >/out/exec-parent
		echo ready >/out/exec-ready
		while :; do sleep 0.05; done'
	wait_until file_has "$OUT/exec-ready" ready
	# Its parent is outside the container: inside, it has none (0). It handles SIGINT too,
	# so what is tested is that pid1 waits for it whatever step the ladder enters at.
	run cat "$OUT/exec-parent"
	assert_output 0
	local start took
	start=$(now_ms)
	dk stop -t 10 "$NAME" >/dev/null
	took=$(($(now_ms) - start))
	echo "# docker stop took $took ms" >&3
	run cat "$OUT/exec"
	assert_output finished
	# The main child ended at SIGTERM; pid1 then waited about a second for the session.
	run -0 exit_code
	assert_output 143
	[ "$took" -ge 900 ] || fail "docker stop took only $took ms: pid1 did not wait"
}
