#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# pid1 under Docker's own daemon. The file starts a private dockerd (its own data root, exec
# root, socket, containerd namespace and cgroup parent; vfs storage, no network set-up) with
# --init-path pointing at the static pid1, so `docker run --init` makes pid1 the container's
# init exactly as a Docker user gets it. Images come only from `docker import` of a tarball
# holding a static busybox and /pid1, and of a Debian 12 rootfs made with mmdebstrap from
# Debian's packages (for examples/Dockerfile): nothing is pulled. Every container runs with
# no network; only the example's build reaches Debian's mirror, with the host's network.
#
# Docker's own init, tini, runs beside pid1 for comparison: the host's docker-init (Debian's
# docker.io links it to tini-static) mounted at /sbin/docker-init and run as
# `/sbin/docker-init -- CMD`, which is all that `docker run --init` does with it.
#
# The static binary is $PID1_STATIC, else $PID1 when that build is static. Without either the
# file is skipped, except in strict mode (CI), where it configures and builds one itself. A
# dockerd that cannot start or run a container here is a SKIP that says why, even in strict
# mode: the machine, not pid1, is at fault. A missing package fails in strict mode, and so
# does an mmdebstrap that cannot make Debian 12 (CI reaches Debian's mirror).

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

# Three programs for docker stop, each writing "ready" once its traps are set: one that exits
# on SIGINT and leaves SIGTERM at its default action (which kills it), one that ignores
# SIGINT and cleans up for two seconds on SIGTERM, and one that ignores both.
EXITS_ON_INT='trap "exit 0" INT'
EXITS_ON_TERM='trap "" INT; trap "sleep 2; exit 0" TERM'
IGNORES_BOTH='trap "" INT TERM'
LOOP='echo ready >/out/ready; while :; do sleep 0.05; done'

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

# find_tini: Docker's own init as `docker run --init` finds it when no init-path is set:
# docker-init in PATH (unless that is pid1), else Debian's tini-static. Sets TINI, or
# TINI_REASON.
find_tini() {
	local t version
	for t in "$(command -v docker-init)" /usr/bin/tini-static; do
		t=$(readlink -f "$t") || continue
		version=$("$t" --version 2>/dev/null) || continue
		if [[ $version == tini\ * ]] && is_static "$t"; then
			TINI=$t
			echo "# Docker's own init: $t, $version" >&3
			return 0
		fi
	done
	TINI_REASON="no static tini to compare with (Debian: apt-get install tini)"
}

# build_example: imports Debian 12 as debian:12 and debian:12-slim, the images
# examples/Dockerfile starts from, and builds it as its comment says, from the top of the
# source tree, with the host's network for apt. BuildKit, which Docker 23 and later use by
# default, takes half the classic builder's time (the Dockerfile suits both). Sets
# EXAMPLE_REASON when Debian cannot be had here, else EXAMPLE_BUILT when the build passed;
# the tests judge the build by its log.
build_example() {
	local start err=$BATS_FILE_TMPDIR/debian.err
	if ! command -v mmdebstrap >/dev/null; then
		EXAMPLE_REASON="mmdebstrap is not installed (Debian: apt-get install mmdebstrap)"
		return 0
	fi
	start=$(now_ms)
	if ! debian_rootfs 2>"$err" || ! dk import "$DEBIAN_ROOTFS" debian:12 >/dev/null 2>"$err" ||
		! dk tag debian:12 debian:12-slim 2>"$err"; then
		EXAMPLE_REASON="no Debian 12 image here: $(tr '\n' ' ' <"$err")"
		return 0
	fi
	echo "# debian:12 made and imported in $(($(now_ms) - start)) ms" >&3
	start=$(now_ms)
	if DOCKER_BUILDKIT=1 DK_TIMEOUT=900 dk build --network host -t pid1-example \
		-f "$PID1_SRCDIR/examples/Dockerfile" "$PID1_SRCDIR" >"$EXAMPLE_LOG" 2>&1; then
		EXAMPLE_BUILT=1
	fi
	echo "# examples/Dockerfile built in $(($(now_ms) - start)) ms" >&3
}

# Bats cannot skip from setup_file, so each test's setup skips with the reason worked out
# here (or fails, in strict mode, unless the daemon itself cannot work on this machine).
setup_file() {
	SKIP_REASON=
	RUNTIME_BROKEN=
	BUSYBOX=${PID1_BUSYBOX:-/bin/busybox}
	STATIC_PID1=
	TINI=
	TINI_REASON=
	EXAMPLE_REASON=
	EXAMPLE_BUILT=
	EXAMPLE_LOG=$BATS_FILE_TMPDIR/example-build.log
	export SKIP_REASON RUNTIME_BROKEN BUSYBOX STATIC_PID1 TINI TINI_REASON EXAMPLE_REASON \
		EXAMPLE_BUILT EXAMPLE_LOG
	docker_vars
	if ! command -v dockerd >/dev/null || ! command -v "$DOCKER_CLI" >/dev/null; then
		SKIP_REASON="dockerd is not installed (Debian: apt-get install docker.io)"
	else
		find_static_tree
	fi
	[ -z "$SKIP_REASON" ] || return 0
	make_tarball
	# overlay2 where the file system under the data root takes it: the example's build
	# takes half the time and a tenth of the disk it takes with vfs, and deleting vfs's
	# gigabytes afterwards takes a minute. Otherwise the plumbing's own vfs.
	start_dockerd --init-path="$STATIC_PID1" --storage-driver=overlay2
	if [ -n "$RUNTIME_BROKEN" ]; then
		stop_dockerd
		docker_vars
		SKIP_REASON=
		RUNTIME_BROKEN=
		start_dockerd --init-path="$STATIC_PID1"
	fi
	[ -n "$RUNTIME_BROKEN" ] || probe_docker
	if [ -n "$RUNTIME_BROKEN" ]; then
		echo "# $SKIP_REASON" >&3
		return 0
	fi
	echo "# docker client $DOCKER_CLI, server $(dk version -f '{{.Server.Version}}')," \
		"storage driver $(dk info -f '{{.Driver}}')" >&3
	find_tini
	build_example
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
	dk rm -f "$NAME" "$NAME-pid1" "$NAME-tini" >/dev/null 2>&1 || true
}

# dk_run ARGS...: docker run with RUN_OPTS and the output directory as /out.
dk_run() {
	dk run "${RUN_OPTS[@]}" -v "$OUT:/out" "$@"
}

# exit_code [NAME]: the container's exit code, as Docker recorded it.
exit_code() {
	dk inspect -f '{{.State.ExitCode}}' "${1:-$NAME}"
}

# need_tini: skips (fails in strict mode) when there is no tini to compare with.
need_tini() {
	[ -z "$TINI_REASON" ] || skip_or_fail "$TINI_REASON"
}

# start_under INIT SCRIPT [DOCKER_RUN_OPTION...]: a detached container $NAME-INIT running
# `sh -c SCRIPT` under INIT, pid1 (docker run --init) or tini (mounted and run where and as
# Docker runs its init), with $OUT/INIT as /out; waits until SCRIPT says it is ready.
start_under() {
	local init=$1 script=$2 out=$OUT/$1
	shift 2
	mkdir -p "$out"
	if [ "$init" = pid1 ]; then
		dk run -d "${RUN_OPTS[@]}" -v "$out:/out" --name "$NAME-pid1" --init "$@" \
			pid1-busybox sh -c "$script" >/dev/null
	else
		dk run -d "${RUN_OPTS[@]}" -v "$out:/out" --name "$NAME-tini" \
			-v "$TINI:/sbin/docker-init:ro" --entrypoint /sbin/docker-init "$@" \
			pid1-busybox -- sh -c "$script" >/dev/null
	fi
	wait_until file_has "$out/ready" ready
}

# timed_stop INIT SECONDS: docker stop -t SECONDS of $NAME-INIT; writes how long it took (ms)
# to $OUT/INIT.ms.
timed_stop() {
	local start
	start=$(now_ms)
	dk stop -t "$2" "$NAME-$1" >/dev/null
	echo $(($(now_ms) - start)) >"$OUT/$1.ms"
}

# stop_both WHAT SECONDS: docker stop -t SECONDS of $NAME-pid1 and $NAME-tini at the same
# time; sets PID1_MS and TINI_MS (how long each stop took), PID1_CODE and TINI_CODE (the
# exit codes Docker reports) and prints them side by side, WHAT naming the program.
stop_both() {
	local p t
	timed_stop pid1 "$2" &
	p=$!
	timed_stop tini "$2" &
	t=$!
	wait "$p"
	wait "$t"
	PID1_MS=$(cat "$OUT/pid1.ms")
	TINI_MS=$(cat "$OUT/tini.ms")
	PID1_CODE=$(exit_code "$NAME-pid1")
	TINI_CODE=$(exit_code "$NAME-tini")
	echo "# docker stop -t $2, $1: pid1 exit $PID1_CODE in $PID1_MS ms," \
		"tini exit $TINI_CODE in $TINI_MS ms" >&3
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
	# With a config file, even the image's empty one, pid1 logs its ladder (notice level).
	dk_run -d --init -e PID1_CONFIG=/etc/pid1.conf --name "$NAME" pid1-busybox \
		sh -c "$GRACEFUL" >/dev/null
	stop_graceful
	# Docker's own init is pid1, from --init-path.
	run cat "$OUT/init"
	assert_output --regexp '^/sbin/docker-init -- sh -c '
	run dk_run --rm --init pid1-busybox /sbin/docker-init --version
	assert_output --regexp '^pid1 '
}

@test "docker info reads pid1's version as docker-init's: its commit, and no parse error" {
	local want
	want=$("$STATIC_PID1" --version | sed -n 's/^pid1 version [^ ]* - git\.//p')
	[ -n "$want" ] || fail "pid1 --version: $("$STATIC_PID1" --version)"
	run -0 dk info --format '{{.InitCommit.ID}}'
	assert_output "$want"
	# dockerd runs docker-init --version at start-up and at each docker info.
	run ! grep -F "failed to parse" "$DOCKER_ROOT/dockerd.log"
}

@test "docker stop with --cap-drop ALL: a docker exec -u session pid1 cannot signal holds nothing" {
	# Without CAP_KILL, root's pid1 may not signal uid 1000: the ladder must not wait for it.
	dk_run -d --init --cap-drop ALL -e PID1_CONFIG=/etc/pid1.conf --name "$NAME" \
		pid1-busybox sleep 1000 >/dev/null
	dk exec -d -u 1000 "$NAME" sleep 1000
	wait_until dk_has_process 1000
	local start took
	start=$(now_ms)
	dk stop -t 30 "$NAME" >/dev/null
	took=$(($(now_ms) - start))
	echo "# docker stop took $took ms, exit code $(exit_code)" >&3
	run dk logs "$NAME"
	assert_output --regexp "warning: cannot signal 1 process: [0-9]+ \(uid 1000\): pid1 runs as uid 0 without CAP_KILL"
	refute_output --partial "exhausted"
	# The ladder's graces are 4s; without them a stop takes a fraction of one.
	[ "$took" -lt 4000 ] || fail "docker stop took $took ms: $output"
}

# dk_has_process UID: the container runs a process of UID besides pid1's.
dk_has_process() {
	dk top "$NAME" -o uid,pid,args 2>/dev/null | awk -v u="$1" '$1 == u { found = 1 } END { exit !found }'
}

@test "docker stop with pid1 as the image's entrypoint: the same program cleans up, exits 0" {
	dk_run -d --name "$NAME" pid1-entrypoint sh -c "$GRACEFUL" >/dev/null
	stop_graceful
	run cat "$OUT/init"
	assert_output --regexp '^/pid1 -c /etc/pid1\.conf -- sh -c '
}

@test "docker kill --signal INT enters the ladder at its SIGINT step" {
	dk_run -d --init -e PID1_CONFIG=/etc/pid1.conf --name "$NAME" pid1-busybox sh -c '
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

@test "docker run --init: pid1 is PID 1 and reads the config PID1_CONFIG names on a -v mount" {
	local conf=$BATS_TEST_TMPDIR/conf
	mkdir -p "$conf"
	# Two settings to see: exit code 3 reported as 0, and the start line (level info).
	printf '%s\n' 'exit-code 3 { as = 0 }' 'log { level = info }' >"$conf/pid1.conf"
	chmod 0644 "$conf/pid1.conf"
	run -0 dk_run --rm --init -e PID1_CONFIG=/config/pid1.conf -v "$conf:/config:ro" \
		pid1-busybox sh -c 'ps -o pid,args; /sbin/docker-init --version; exit 3'
	assert_line --regexp '^ *1 /sbin/docker-init -- sh -c ps -o pid,args;'
	assert_line --regexp '^pid1 version [0-9]'
	assert_output --partial 'starting as PID 1 (pid 1), config /config/pid1.conf, command: sh -c'
	assert_output --partial "exiting with code 0 (the child's exit code, 3 remapped)"
}

@test "docker exec C pid1 ctl: status, ready and restart in place, root only, at the default path" {
	local conf=$BATS_TEST_TMPDIR/conf
	mkdir -p "$conf"
	# shellcheck disable=SC2016 # for the container's shell
	printf '%s\n' 'program worker {' \
		'	command = { "sh", "-c", "echo $$ >>/out/worker; exec sleep 1000" }' '}' \
		>"$conf/pid1.conf"
	chmod 0644 "$conf/pid1.conf"
	dk_run -d --init --name "$NAME" -e PID1_CONFIG=/config/pid1.conf -v "$conf:/config:ro" \
		pid1-busybox sh -c 'echo ready >/out/ready; while :; do sleep 0.05; done' >/dev/null
	wait_until file_has "$OUT/ready" ready
	wait_until [ -s "$OUT/worker" ]
	# The image has no /run: pid1 made /run/pid1, and the client finds it there by default.
	run -0 dk exec "$NAME" /sbin/docker-init ctl status
	assert_line --regexp '^main +running +[0-9]+ '
	assert_line --regexp '^worker +running +[0-9]+ '
	run -0 dk exec "$NAME" /sbin/docker-init ctl ready
	run -0 dk exec "$NAME" /sbin/docker-init ctl restart worker
	wait_until [ "$(wc -l <"$OUT/worker")" -ge 2 ]
	# Another user in the container is refused.
	run -1 dk exec -u 65534 "$NAME" /sbin/docker-init ctl status
	# The ladder from its first step, as for a signal: the shell dies of SIGINT.
	run -0 dk exec "$NAME" /sbin/docker-init ctl shutdown
	run -0 dk wait "$NAME"
	assert_output 130
}

# Kubernetes' restricted Pod Security profile as docker run puts it: not root, a read-only
# root file system, no capabilities, no privilege escalation, Docker's default seccomp profile,
# and few processes.
RESTRICTED=(--user 1000:1000 --read-only --cap-drop ALL --security-opt no-new-privileges
	--pids-limit 20)

# restricted CTL ARGS...: a detached container $NAME under the restricted profile, its config
# at /config/pid1.conf (a worker beside main), ARGS the rest of docker run's arguments, CTL
# the path of pid1 in it. pid1 ctl answers its own user and root (docker exec -u 0, without
# CAP_DAC_OVERRIDE) on the abstract socket, with nowhere to write a socket file, and refuses
# another user; docker stop ends it by pid1's ladder: main's clean exit, not Docker's
# SIGKILL (137), whatever the time it took; nothing in the log is a warning.
restricted() {
	local ctl=$1 conf=$BATS_TEST_TMPDIR/conf
	shift
	mkdir -p "$conf"
	chmod 0755 "$conf"
	printf '%s\n' 'program worker { command = { "sleep", "1000" } }' >"$conf/pid1.conf"
	chmod 0644 "$conf/pid1.conf"
	chmod 0777 "$OUT"
	dk_run -d "${RESTRICTED[@]}" --name "$NAME" -v "$conf:/config:ro" "$@" sh -c '
		trap "echo cleaned >/out/result; exit 0" TERM
		echo ready >/out/ready
		while :; do sleep 0.05; done' >/dev/null
	wait_until file_has "$OUT/ready" ready
	wait_until dk exec "$NAME" "$ctl" ctl ready
	run -0 dk exec "$NAME" "$ctl" ctl status
	assert_line --regexp '^main +running +[0-9]+ '
	assert_line --regexp '^worker +running +[0-9]+ '
	run -0 dk exec -u 0 "$NAME" "$ctl" ctl status
	assert_line --regexp '^worker +running +[0-9]+ '
	run -1 dk exec -u 4242 "$NAME" "$ctl" ctl stop worker
	assert_output --partial "permission denied"
	dk stop -t 60 "$NAME" >/dev/null
	[ "$(exit_code)" -eq 0 ] || fail "exit code $(exit_code): $(dk logs "$NAME" 2>&1)"
	run cat "$OUT/result"
	assert_output cleaned
	run dk logs "$NAME"
	assert_output --partial 'shutdown step 2/3: SIGTERM'
	refute_output --partial 'warning:'
	refute_output --partial 'err:'
}

@test "the restricted profile, pid1 as the command: pid1 ctl status and ready work, docker stop ends it by pid1's ladder, exit codes pass" {
	restricted /pid1 --entrypoint /pid1 pid1-busybox -c /config/pid1.conf --
	run -3 dk_run --rm "${RESTRICTED[@]}" --entrypoint /pid1 pid1-busybox -- sh -c 'exit 3'
	# shellcheck disable=SC2016 # for the container's shell
	run -137 dk_run --rm "${RESTRICTED[@]}" --entrypoint /pid1 pid1-busybox -- \
		sh -c 'kill -KILL $$'
}

@test "the restricted profile under docker run --init: pid1 ctl status and ready work, docker stop ends it by pid1's ladder, exit codes pass" {
	restricted /sbin/docker-init --init -e PID1_CONFIG=/config/pid1.conf pid1-busybox
	run -3 dk_run --rm "${RESTRICTED[@]}" --init pid1-busybox sh -c 'exit 3'
	run -127 dk_run --rm "${RESTRICTED[@]}" --init pid1-busybox /no/such/program
}

@test "docker stop -t 10, a shutdown budget of 8s and ladders of 30s: every program gets its signal, pid1 exits before Docker's SIGKILL" {
	# main cleans up on SIGTERM and exits 0; web, a level above it, stops on SIGQUIT, its
	# stop-signal; stubborn notes SIGTERM and carries on, so only the ladder's SIGKILL ends
	# it. Two ladders of 30 s would take a minute: Docker's SIGKILL would come at 10 s and
	# the container exit 137.
	local took
	cat >"$OUT/pid1.conf" <<-'EOF'
		shutdown {
			budget = 8s
			step SIGTERM { grace = 20s }
			step SIGKILL { grace = 10s }
		}
		program web { command = { "/out/note", "web", "QUIT", "exit 0" } after = { main } stop-signal = SIGQUIT }
		program stubborn { command = { "/out/note", "stubborn", "TERM", ":" } }
	EOF
	# note NAME SIG ACTION: on SIG appends SIG to /out/NAME, then runs ACTION.
	cat >"$OUT/note" <<-'EOF'
		#!/bin/sh
		trap "echo $2 >>/out/$1; $3" "$2"
		echo ready >"/out/$1.ready"
		while :; do sleep 0.05; done
	EOF
	chmod 0755 "$OUT/note"
	chmod 0644 "$OUT/pid1.conf"
	dk_run -d --init -e PID1_CONFIG=/out/pid1.conf --name "$NAME" pid1-busybox \
		/out/note main TERM "sleep 0.5; echo cleaned >>/out/main; exit 0" >/dev/null
	wait_until file_has "$OUT/web.ready" ready
	wait_until file_has "$OUT/stubborn.ready" ready
	wait_until file_has "$OUT/main.ready" ready
	local start
	start=$(now_ms)
	dk stop -t 10 "$NAME" >/dev/null
	took=$(($(now_ms) - start))
	echo "# docker stop -t 10 with a budget of 8s took $took ms, exit code $(exit_code)" >&3
	[ "$(exit_code)" -eq 0 ] || fail "exit code $(exit_code): $(dk logs "$NAME" 2>&1)"
	assert_between "docker stop (ms)" "$took" 0 8000
	run cat "$OUT/web" "$OUT/main" "$OUT/stubborn"
	assert_output $'QUIT\nTERM\ncleaned\nTERM'
	run -0 dk logs "$NAME"
	assert_output --partial 'shutdown budget 8s: graces scaled to 12% of the configured 1m'
	assert_output --regexp 'stubborn\[[0-9]+\] killed by SIGKILL'
}

@test "docker stop, pid1 beside tini: a program exiting on SIGINT only dies of SIGTERM in both" {
	need_tini
	start_under pid1 "$EXITS_ON_INT; $LOOP"
	start_under tini "$EXITS_ON_INT; $LOOP"
	stop_both "a program exiting on SIGINT only" 8
	# docker stop sends SIGTERM: tini passes it on, and pid1's ladder enters at its SIGTERM
	# step; SIGTERM's default action ends the program either way.
	assert_equal "$PID1_CODE $TINI_CODE" "143 143"
	assert_between "docker stop under pid1 (ms)" "$PID1_MS" 0 3000
	assert_between "docker stop under tini (ms)" "$TINI_MS" 0 3000
	# An exit code the program chose is not pid1's news, as it is not tini's.
	run -0 dk logs "$NAME-pid1"
	assert_output ''
	run -0 dk logs "$NAME-tini"
	assert_output ''
}

@test "docker stop, pid1 beside tini: a program exiting on SIGTERM gets its clean-up, exits 0" {
	need_tini
	start_under pid1 "$EXITS_ON_TERM; $LOOP"
	start_under tini "$EXITS_ON_TERM; $LOOP"
	stop_both "a program with a 2 s clean-up on SIGTERM" 8
	assert_equal "$PID1_CODE $TINI_CODE" "0 0"
	# Both waited out the two seconds, and neither came near Docker's SIGKILL.
	assert_between "docker stop under pid1 (ms)" "$PID1_MS" 1900 6000
	assert_between "docker stop under tini (ms)" "$TINI_MS" 1900 6000
}

@test "docker stop, pid1 beside tini: a program ignoring both is killed by pid1's ladder first" {
	need_tini
	start_under pid1 "$IGNORES_BOTH; $LOOP"
	start_under tini "$IGNORES_BOTH; $LOOP"
	stop_both "a program ignoring SIGINT and SIGTERM" 8
	assert_equal "$PID1_CODE $TINI_CODE" "137 137"
	# pid1's SIGKILL step follows its SIGTERM step's 4 s grace; tini waits for Docker's.
	assert_between "docker stop under pid1 (ms)" "$PID1_MS" 3800 7500
	assert_between "docker stop under tini (ms)" "$TINI_MS" 7900 12000
	# The one line pid1 writes with no config: the program ignored the signal it was given.
	run -0 dk logs "$NAME-pid1"
	assert_output --regexp '^[-0-9T:.]+Z pid1\[1\]: warning: shutdown step 2 timed out after (4[.0-9]*s|4[0-9]{3}ms)$'
	run -0 dk logs "$NAME-tini"
	assert_output ''
}

@test "docker logs under docker run --init: only the program's line, as under tini" {
	need_tini
	local app='echo "app: could not connect"; exit 3'
	run -3 dk_run --init --name "$NAME-pid1" pid1-busybox sh -c "$app"
	run -3 dk_run --name "$NAME-tini" -v "$TINI:/sbin/docker-init:ro" \
		--entrypoint /sbin/docker-init pid1-busybox -- sh -c "$app"
	run -0 dk logs "$NAME-pid1"
	assert_output 'app: could not connect'
	run -0 dk logs "$NAME-tini"
	assert_output 'app: could not connect'
	# A config file, even an empty one, brings pid1's default level back: notice.
	run -3 dk_run --init -e PID1_CONFIG=/etc/pid1.conf --name "$NAME" pid1-busybox sh -c "$app"
	run -0 dk logs "$NAME"
	assert_line --index 0 'app: could not connect'
	assert_line --index 1 --regexp 'pid1\[1\]: notice: main\[[0-9]+\] exited with status 3 after '
	assert_line --index 2 --regexp "pid1\[1\]: notice: exiting with code 3 \(the child's exit code\)$"
}

@test "docker kill --signal HUP, USR1 and WINCH reach the child as the config says" {
	need_tini
	local conf=$BATS_TEST_TMPDIR/conf script
	mkdir -p "$conf"
	printf '%s\n' 'signal SIGUSR1 { action = forward }' \
		'signal SIGHUP { action = rewrite to = SIGUSR2 }' \
		'signal SIGWINCH { action = ignore }' >"$conf/pid1.conf"
	chmod 0644 "$conf/pid1.conf"
	# shellcheck disable=SC2016 # for the container's shell
	script='for s in HUP USR1 USR2 WINCH; do trap "echo $s >>/out/sigs" "$s"; done; '$LOOP
	start_under pid1 "$script" -e PID1_CONFIG=/config/pid1.conf -v "$conf:/config:ro"
	# tini, which passes every signal on unchanged, shows that the program records each.
	start_under tini "$script"
	for init in pid1 tini; do
		dk kill --signal WINCH "$NAME-$init" >/dev/null
		dk kill --signal HUP "$NAME-$init" >/dev/null
	done
	wait_until file_has "$OUT/pid1/sigs" USR2
	wait_until file_has "$OUT/tini/sigs" HUP
	wait_until file_has "$OUT/tini/sigs" WINCH
	# A WINCH passed on would have come before the USR2 it preceded, and so before this.
	for init in pid1 tini; do
		dk kill --signal USR1 "$NAME-$init" >/dev/null
		wait_until file_has "$OUT/$init/sigs" USR1
	done
	run cat "$OUT/pid1/sigs"
	assert_output "$(printf 'USR2\nUSR1')"
	run sort "$OUT/tini/sigs"
	assert_output "$(printf 'HUP\nUSR1\nWINCH')"
}

@test "docker run -it --init: a shell gets job control and Ctrl-C, and its exit 5 ends the container" {
	command -v python3 >/dev/null || skip_or_fail "python3 is not installed (Debian: python3)"
	# The client itself, not dk: timeout would put it in a process group of its own, in the
	# background of the terminal, where reading it stops the client.
	local docker=("$DOCKER_CLI" -H "unix://$DOCKER_SOCK")
	local running="ps -o args | grep -qx 'sleep 100'"
	# The shell's pgrp and the terminal's foreground pgrp (fields 5 and 8 of its stat) are
	# the same: the shell owns the terminal. Steps wait for the prompt before typing, since
	# busybox's line editor drops what comes while it sets the terminal up.
	# shellcheck disable=SC2016 # for the container's shell
	DOCKER_CONFIG=$DOCKER_ROOT/client PTYRUN_TIMEOUT=20 run -0 timeout -k 5 120 \
		python3 "$PID1_SRCDIR/tests/helpers/ptyrun.py" \
		'expect:PROMPT> ' \
		'send:read -r p c s pp pgrp se tty tpgid rest </proc/$$/stat; echo "pgrp=$pgrp tpgid=$tpgid"\r' \
		'expect:^pgrp=([0-9]+) tpgid=\1$' \
		'expect:PROMPT> ' 'send:sleep 10 &\r' \
		'expect:PROMPT> ' 'send:jobs\r' 'expect:^\[1\]\+ +Running +sleep 10' \
		'expect:PROMPT> ' 'send:sleep 100\r' \
		"check:for i in \$(seq 200); do ${docker[*]} exec $NAME sh -c \"$running\" && exit 0; sleep 0.1; done; exit 1" \
		'send:\x03' 'expect:PROMPT> ' 'send:echo "rc=$?"\r' 'expect:^rc=130$' \
		'expect:PROMPT> ' 'send:exit 5\r' wait \
		-- "${docker[@]}" run -it --init --name "$NAME" "${RUN_OPTS[@]}" -e 'PS1=PROMPT> ' \
		pid1-busybox sh -i
	# Ctrl-C ended the foreground sleep (130) and nothing else: the shell went on.
	assert_line 'ptyrun: exit 5'
	run -0 exit_code
	assert_output 5
}

# need_example: skips (fails in strict mode) when Debian 12 cannot be had here; fails, with
# the build's last lines, when examples/Dockerfile did not build.
need_example() {
	[ -z "$EXAMPLE_REASON" ] || skip_or_fail "$EXAMPLE_REASON"
	[ -n "$EXAMPLE_BUILT" ] ||
		fail "examples/Dockerfile does not build: $(tail -n 30 "$EXAMPLE_LOG")"
}

# http_ok: the example's server answers on port 8080, asked from inside its container.
http_ok() {
	dk exec "$NAME" python3 -c 'import urllib.request as u
u.urlopen("http://127.0.0.1:8080/", timeout=2)' >/dev/null 2>&1
}

@test "examples/Dockerfile builds from Debian 12 into an image with a static pid1 as uid 10001" {
	need_example
	dk create --name "$NAME" pid1-example >/dev/null
	dk cp "$NAME:/usr/sbin/pid1" "$BATS_TEST_TMPDIR/pid1"
	is_static "$BATS_TEST_TMPDIR/pid1" || fail "the image's pid1 is not a static binary"
	run -0 dk inspect -f '{{.Config.User}} {{json .Config.Entrypoint}} {{json .Config.Cmd}}' \
		pid1-example
	assert_output '10001 ["/usr/sbin/pid1","-c","/etc/pid1.conf","--"] ["python3","-m","http.server","8080"]'
	run -0 dk run --rm "${RUN_OPTS[@]}" --entrypoint stat pid1-example -c '%a %U' /etc/pid1.conf
	assert_output '644 root'
}

@test "the example's container: pid1 and the server as uid 10001; docker stop ends it with SIGINT" {
	need_example
	local start took
	dk run -d "${RUN_OPTS[@]}" --name "$NAME" pid1-example >/dev/null
	wait_until http_ok
	# shellcheck disable=SC2016 # for the container's shell
	run -0 dk exec "$NAME" sh -c 'tr "\0" " " </proc/1/cmdline; echo
		set -- $(cat /proc/1/task/1/children)
		grep -h "^Uid:" /proc/1/status "/proc/$1/status"'
	assert_line --index 0 '/usr/sbin/pid1 -c /etc/pid1.conf -- python3 -m http.server 8080 '
	assert_line --index 1 --regexp '^Uid:\s+10001\s+10001\s+10001\s+10001$'
	assert_line --index 2 --regexp '^Uid:\s+10001\s+10001\s+10001\s+10001$'
	start=$(now_ms)
	dk stop -t 20 "$NAME" >/dev/null
	took=$(($(now_ms) - start))
	echo "# docker stop of the example took $took ms" >&3
	# The config's 3 s delay, then SIGINT, on which the server finishes at once.
	assert_between "docker stop of the example (ms)" "$took" 2900 8000
	run -0 exit_code
	assert_output 0
	run -0 dk logs "$NAME"
	assert_output --partial 'shutdown step 1/3: SIGINT to all'
	assert_output --partial 'Keyboard interrupt received, exiting.'
	refute_output --partial 'SIGTERM to all'
}

@test "the example's container as examples/kubernetes.yaml runs it, restricted: its readiness probe passes, nothing warns" {
	need_example
	# The pod's command, securityContext and probe, as docker run puts them.
	dk run -d "${RUN_OPTS[@]}" --name "$NAME" --user 10001:10001 --read-only --cap-drop ALL \
		--security-opt no-new-privileges -e PID1_CONFIG=/etc/pid1.conf \
		--entrypoint /usr/sbin/pid1 pid1-example -- python3 -m http.server 8080 >/dev/null
	wait_until http_ok
	wait_until dk exec "$NAME" /usr/sbin/pid1 ctl -t 1 ready
	run -0 dk exec "$NAME" /usr/sbin/pid1 ctl -t 1 ready
	assert_output --partial "ready"
	run -0 dk exec -u 0 "$NAME" /usr/sbin/pid1 ctl status
	assert_line --regexp '^main +running +[0-9]+ '
	dk stop -t 30 "$NAME" >/dev/null
	run -0 exit_code
	assert_output 0
	run -0 dk logs "$NAME"
	assert_output --partial 'shutdown step 1/3: SIGINT to all'
	refute_output --partial 'warning:'
}

@test "the example's container takes a config mounted over /etc/pid1.conf without a rebuild" {
	need_example
	local conf=$BATS_TEST_TMPDIR/my.conf start took
	# Built-in defaults but for the level: no delay, SIGTERM first for docker stop, no remap.
	printf '%s\n' 'log { level = info }' >"$conf"
	chmod 0644 "$conf"
	dk run -d "${RUN_OPTS[@]}" -v "$conf:/etc/pid1.conf:ro" --name "$NAME" pid1-example \
		>/dev/null
	wait_until http_ok
	start=$(now_ms)
	dk stop -t 20 "$NAME" >/dev/null
	took=$(($(now_ms) - start))
	assert_between "docker stop with the mounted config (ms)" "$took" 0 2500
	run -0 exit_code
	assert_output 143
	run -0 dk logs "$NAME"
	assert_output --partial 'starting as PID 1 (pid 1), config /etc/pid1.conf'
	assert_output --partial 'shutdown step 2/3: SIGTERM to all'
}
