#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# pid1 as podman's init: `podman run --init --init-path=<static pid1>`, side by side with
# podman's own default init, catatonit. The image is a static busybox imported from a tarball
# made here (never pulled), containers have no network, and podman keeps everything in this
# file's temp dir: storage (vfs), run state, events, the OCI runtime's state (a runc wrapper
# with its own --root) and, for cgroupfs, a cgroup parent of its own.
#
# The static binary is $PID1_STATIC, else $PID1 when that build is static. A missing package
# or binary is a SKIP, a failure in strict mode (CI); podman failing to run a container on
# this machine is a SKIP carrying podman's own error, in strict mode too.

# shellcheck disable=SC2154 # $stderr is set by run --separate-stderr
bats_require_minimum_version 1.5.0
load lib/pid1

IMAGE=localhost/pid1-busybox:test
# podman's own default (containers.conf init_path); Debian's catatonit package links it.
CATATONIT=/usr/libexec/podman/catatonit

# podman_ ARGS...: podman on this file's storage and state, bounded in time.
podman_() {
	local cmd
	podman_cmd
	timeout -k 5 "$PID1_TIMEOUT" "${cmd[@]}" "$@"
}

# podman_cmd: sets the caller's array cmd to podman with this file's global options. They
# are given as options, not only in CONTAINERS_CONF, because podman hands them on to the
# `podman container cleanup` that conmon runs, and conmon does not pass the environment on.
# HOME: `podman system reset` recreates ~/.config/containers; TMPDIR: image temp files.
podman_cmd() {
	cmd=(env HOME="$PM/home" XDG_CONFIG_HOME="$PM/home/.config"
		XDG_DATA_HOME="$PM/home/.local/share" TMPDIR="$PM/tmp"
		podman --root "$PM/root" --runroot "$PM/runroot" --tmpdir "$PM/tmp"
		--network-config-dir "$PM/net" --storage-driver vfs --events-backend file
		--cgroup-manager "$PM_CGROUPS" --runtime "$PM/bin/runc")
}

# podman_import TARBALL [NAME]: `podman import` (as $IMAGE unless NAME is given) in a mount namespace of its own where /var/lib is
# read-only and /var/lib/containers empty: podman 4.3 keeps a blob cache there for root,
# and falls back to memory when it cannot create it.
podman_import() {
	local cmd
	podman_cmd
	# shellcheck disable=SC2016 # expanded by the inner sh
	timeout -k 5 "$PID1_TIMEOUT" unshare --mount --propagation private sh -c '
		mount --bind /var/lib /var/lib && mount -o remount,bind,ro /var/lib || exit 1
		if [ -d /var/lib/containers ]; then
			mount -t tmpfs tmpfs /var/lib/containers || exit 1
		fi
		exec "$@"' podman_import "${cmd[@]}" import -q "$1" "${2:-$IMAGE}"
}

# make_image: a busybox rootfs (a link for each applet, made by busybox itself inside the
# tree) as a tarball, imported as $IMAGE.
make_image() {
	local rootfs=$PM/rootfs
	mkdir -p "$rootfs"/bin "$rootfs"/etc "$rootfs"/tmp
	cp "$BUSYBOX" "$rootfs/bin/busybox"
	chroot "$rootfs" /bin/busybox --install -s /bin || return 1
	tar -C "$rootfs" -cf "$PM/rootfs.tar" . || return 1
	podman_import "$PM/rootfs.tar" >/dev/null
}

# write_podman_conf: a containers.conf read instead of the machine's own, so neither logs
# nor image copies leave this file's temp dir; init_path keeps podman's default.
write_podman_conf() {
	mkdir -p "$PM/bin" "$PM/tmp" "$PM/net" "$PM/home"
	cat >"$PM/containers.conf" <<-EOF
		[containers]
		log_driver = "k8s-file"
		[engine]
		image_copy_tmp_dir = "$PM/tmp"
		events_logfile_path = "$PM/tmp/events.log"
	EOF
	cat >"$PM/storage.conf" <<-EOF
		[storage]
		driver = "vfs"
		graphroot = "$PM/root"
		runroot = "$PM/runroot"
	EOF
	# runc keeps container state in /run/runc unless told otherwise.
	printf '#!/bin/sh\nexec runc --root "%s" "$@"\n' "$PM/runc" >"$PM/bin/runc"
	chmod 755 "$PM/bin/runc"
}

# find_needs: sets SKIP_REASON when a package or binary is missing, else STATIC_PID1.
find_needs() {
	if ! command -v podman >/dev/null; then
		SKIP_REASON="podman is not installed (Debian: apt-get install podman)"
	elif ! command -v runc >/dev/null; then
		SKIP_REASON="runc is not installed (Debian: apt-get install runc)"
	elif [ ! -x "$CATATONIT" ]; then
		SKIP_REASON="podman's default init $CATATONIT is missing (Debian: catatonit)"
	else
		find_static_tree
	fi
}

# The image is imported and one container run to see whether podman works here at all;
# bats cannot skip from setup_file, so each test's setup skips with the reason.
setup_file() {
	SKIP_REASON=
	RUNTIME_BROKEN=
	BUSYBOX=${PID1_BUSYBOX:-/bin/busybox}
	STATIC_PID1=
	PM=$BATS_FILE_TMPDIR/podman
	# Under systemd, podman's default cgroup manager, which reaches systemd over D-Bus;
	# without them, plain cgroupfs under a parent of this file's own.
	PM_CGROUPS=cgroupfs
	if [ -d /run/systemd/system ] && [ -S /run/dbus/system_bus_socket ]; then
		PM_CGROUPS=systemd
	fi
	PM_CGROUP_PARENT=/pid1-podman-test-$$
	CONTAINERS_CONF=$PM/containers.conf
	CONTAINERS_STORAGE_CONF=$PM/storage.conf
	export SKIP_REASON RUNTIME_BROKEN BUSYBOX STATIC_PID1 PM PM_CGROUPS PM_CGROUP_PARENT \
		CONTAINERS_CONF CONTAINERS_STORAGE_CONF
	find_needs
	[ -z "$SKIP_REASON" ] || return 0
	run_opts
	write_podman_conf
	local err=$PM/probe.err
	if ! make_image 2>"$err" ||
		! podman_ run --rm "${RUN_OPTS[@]}" "$IMAGE" true >/dev/null 2>>"$err"; then
		SKIP_REASON="podman cannot run a container here: $(tr '\n' ' ' <"$err")"
		# The machine, not pid1, is at fault: a SKIP that says why, even in strict mode.
		RUNTIME_BROKEN=1
		echo "# $SKIP_REASON" >&3
	fi
	echo "# podman $(podman --version | sed 's/.* //'), cgroup manager $PM_CGROUPS," \
		"default init $(readlink -f "$CATATONIT")" >&3
}

# What every container gets: no network, never a pull, and with cgroupfs this file's own
# cgroup parent so teardown_file can find what is left. Set again in each test: bash cannot
# export arrays.
run_opts() {
	RUN_OPTS=(--network none --pull never)
	[ "$PM_CGROUPS" != cgroupfs ] || RUN_OPTS+=(--cgroup-parent "$PM_CGROUP_PARENT")
}

teardown_file() {
	[ -d "${PM:-}/bin" ] || return 0
	podman_ rm -a -f -t 0 >/dev/null 2>&1 || true
	podman_ system reset -f >/dev/null 2>&1 || true
	# A container cut short can leave its /dev/shm mounted under the run root.
	awk -v pm="$PM" 'index($5, pm) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" || true; done
	if [ "$PM_CGROUPS" = cgroupfs ]; then
		find /sys/fs/cgroup -depth -type d -path "*$PM_CGROUP_PARENT*" \
			-exec rmdir {} + 2>/dev/null || true
	fi
}

setup() {
	[ -z "${RUNTIME_BROKEN:-}" ] || skip "$SKIP_REASON"
	[ -z "$SKIP_REASON" ] || skip_or_fail "$SKIP_REASON"
	SHARED=$BATS_TEST_TMPDIR/shared
	mkdir -p "$SHARED"
	run_opts
	PID1_INIT=(--init --init-path "$STATIC_PID1")
}

teardown() {
	[ -n "$SKIP_REASON" ] || podman_ rm -a -f -t 0 >/dev/null 2>&1 || true
	if [ -n "${KUBE_NS:-}" ]; then
		kpod pod rm -a -f -t 0 >/dev/null 2>&1 || true
		kill "$KUBE_NS" 2>/dev/null || true
	fi
}

# ctr_start NAME INIT-OPTIONS... -- SCRIPT: a detached container running sh -c SCRIPT with
# $SHARED at /shared and NAME in $CTR; waits for the script to run $READY.
ctr_start() {
	local name=$1 opts=()
	shift
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	podman_ run -d --name "$name" "${RUN_OPTS[@]}" -v "$SHARED:/shared" -e CTR="$name" \
		"${opts[@]}" "$IMAGE" sh -c "$2" >/dev/null
	wait_until file_has "$SHARED/$name.ready" ready
}

# ctr_stop NAME: `podman stop -t 10`; sets TOOK (ms), CODE (the container's exit code) and
# STOP_ERR (what podman stop said on stderr).
ctr_stop() {
	local start
	start=$(now_ms)
	podman_ stop -t 10 "$1" >/dev/null 2>"$BATS_TEST_TMPDIR/stop.err" ||
		fail "podman stop $1 failed: $(cat "$BATS_TEST_TMPDIR/stop.err")"
	TOOK=$(($(now_ms) - start))
	STOP_ERR=$(cat "$BATS_TEST_TMPDIR/stop.err")
	CODE=$(podman_ inspect --format '{{.State.ExitCode}}' "$1")
}

# init_opts NAME: sets INIT to the options that make NAME (pid1 or catatonit) the init.
init_opts() {
	if [ "$1" = pid1 ]; then
		INIT=("${PID1_INIT[@]}")
	else
		INIT=(--init)
	fi
}

# stop_both SCRIPT: the same script under pid1 and under catatonit, each stopped with
# `podman stop -t 10`; sets PID1_TOOK, PID1_CODE, PID1_STOP_ERR and CATA_TOOK, CATA_CODE,
# CATA_STOP_ERR and logs them.
stop_both() {
	local name
	for name in pid1 catatonit; do
		init_opts "$name"
		ctr_start "$name" "${INIT[@]}" -- "$1"
	done
	ctr_stop pid1
	PID1_TOOK=$TOOK PID1_CODE=$CODE PID1_STOP_ERR=$STOP_ERR
	ctr_stop catatonit
	CATA_TOOK=$TOOK CATA_CODE=$CODE CATA_STOP_ERR=$STOP_ERR
	echo "# pid1: exit $PID1_CODE after $PID1_TOOK ms; catatonit: exit $CATA_CODE after" \
		"$CATA_TOOK ms${CATA_STOP_ERR:+ ($CATA_STOP_ERR)}" >&3
}

# What a container's script runs once its traps are set.
# shellcheck disable=SC2016 # for the container's shell
READY='echo ready >"/shared/$CTR.ready"'

@test "podman run --init-path=pid1: pid1 is PID 1, the command its child, exit codes pass" {
	# shellcheck disable=SC2016 # for the container's shell
	run -3 --separate-stderr podman_ run --rm "${RUN_OPTS[@]}" "${PID1_INIT[@]}" "$IMAGE" \
		sh -c 'ps -o pid,ppid,args; echo "sh $$ $PPID"; exit 3'
	assert_line --regexp '^ +1 +0 /run/podman-init -- sh -c '
	assert_line --regexp '^sh [0-9]+ 1$'
	refute_line 'sh 1 0'
	# The init that ran was pid1: it reports the child's exit on stderr.
	assert_regex "$stderr" 'pid1\[1\]: notice: main\[[0-9]+\] exited with status 3'
	run -0 podman_ run --rm "${RUN_OPTS[@]}" "${PID1_INIT[@]}" "$IMAGE" true
	# shellcheck disable=SC2016 # for the container's shell
	run -137 podman_ run --rm "${RUN_OPTS[@]}" "${PID1_INIT[@]}" "$IMAGE" sh -c 'kill -9 $$'
	# catatonit, for comparison, passes the same codes.
	run -3 podman_ run --rm "${RUN_OPTS[@]}" --init "$IMAGE" sh -c 'exit 3'
	# shellcheck disable=SC2016 # for the container's shell
	run -137 podman_ run --rm "${RUN_OPTS[@]}" --init "$IMAGE" sh -c 'kill -9 $$'
}

@test "podman stop: a child that handles only SIGINT gets SIGTERM first and dies of it (143)" {
	stop_both "trap 'exit 0' INT; $READY; while :; do sleep 0.05; done"
	[ "$PID1_CODE" -eq 143 ] || fail "pid1: exit $PID1_CODE, expected 143"
	[ "$CATA_CODE" -eq 143 ] || fail "catatonit: exit $CATA_CODE, expected 143"
	[ "$PID1_TOOK" -lt 10000 ] || fail "pid1: podman stop took $PID1_TOOK ms"
}

@test "podman stop: a child that traps SIGTERM cleans up, exits 0, no later than under catatonit" {
	# shellcheck disable=SC2016 # for the container's shell
	stop_both 'trap "sleep 0.5; echo cleaned >/shared/$CTR.out; exit 0" TERM; '"$READY"'
		while :; do sleep 0.05; done'
	run cat "$SHARED/pid1.out"
	assert_output cleaned
	[ "$PID1_CODE" -eq 0 ] || fail "pid1: exit $PID1_CODE, expected 0"
	refute_regex "$PID1_STOP_ERR" 'resorting to SIGKILL'
	[ "$PID1_TOOK" -lt 10000 ] || fail "pid1: podman stop took $PID1_TOOK ms"
	# One run of each is noisy; slower by a second would mean pid1 waited for something
	# after its child had exited.
	[ "$PID1_TOOK" -lt $((CATA_TOOK + 1000)) ] ||
		fail "pid1 took $PID1_TOOK ms to a clean exit, catatonit $CATA_TOOK ms"
	echo "# catatonit: $(cat "$SHARED/catatonit.out" 2>/dev/null || echo 'no file')" >&3
}

@test "podman stop: a child that ignores SIGINT and SIGTERM is ended by pid1's ladder, not podman" {
	stop_both "trap '' INT TERM; $READY; while :; do sleep 0.05; done"
	[ "$PID1_CODE" -eq 137 ] || fail "pid1: exit $PID1_CODE, expected 137"
	# Entered at SIGTERM, the ladder waits out that step's 4 s grace, then sends SIGKILL,
	# well before podman's own SIGKILL at 10 s.
	assert_between "podman stop under pid1 (ms)" "$PID1_TOOK" 3800 10000
	refute_regex "$PID1_STOP_ERR" 'resorting to SIGKILL'
	run -0 podman_ logs pid1
	assert_output --partial 'shutdown step 2/3: SIGTERM'
	assert_output --partial 'shutdown step 3/3: SIGKILL'
	refute_output --partial 'shutdown step 1/3: SIGINT'
	[ "$PID1_TOOK" -lt "$CATA_TOOK" ] ||
		fail "pid1 took $PID1_TOOK ms, catatonit (podman's SIGKILL) $CATA_TOOK ms"
}

@test "podman stop: pid1 as PID 1 waits for a podman exec process, which is not its child" {
	local name exec_script main_script
	# shellcheck disable=SC2016 # for the container's shell
	exec_script='trap "sleep 1; echo written >/shared/$CTR.exec; exit 0" TERM
		echo ready >"/shared/$CTR.exec-ready"
		while :; do sleep 0.05; done'
	main_script="trap 'exit 0' TERM; $READY; while :; do sleep 0.05; done"
	for name in pid1 catatonit; do
		init_opts "$name"
		ctr_start "$name" "${INIT[@]}" -- "$main_script"
		podman_ exec -d "$name" sh -c "$exec_script" >/dev/null
		wait_until file_has "$SHARED/$name.exec-ready" ready
		# Inside, the exec'd shell's parent is outside the namespace: 0, not PID 1.
		run -0 podman_ exec "$name" ps -o pid,ppid,args
		assert_line --regexp '^ +[0-9]+ +0 sh -c trap "sleep 1;'
		ctr_stop "$name"
		echo "# $name: exit $CODE after $TOOK ms; exec'd process wrote:" \
			"$(cat "$SHARED/$name.exec" 2>/dev/null || echo nothing)" >&3
		[ "$name" = catatonit ] || PID1_TOOK=$TOOK PID1_CODE=$CODE
	done
	run cat "$SHARED/pid1.exec"
	assert_output written
	[ "$PID1_CODE" -eq 0 ] || fail "pid1: exit $PID1_CODE, expected 0"
	assert_between "podman stop under pid1 (ms)" "$PID1_TOOK" 900 10000
}

@test "PID1_CONFIG given with -e and the config with -v: SIGHUP is rewritten to SIGUSR1" {
	local conf=$BATS_TEST_TMPDIR/pid1.conf
	printf '%s\n' '# pid1.conf for the podman test' \
		'signal SIGHUP { action = rewrite  to = SIGUSR1 }' >"$conf"
	chmod 644 "$conf"
	ctr_start pid1 "${PID1_INIT[@]}" -e PID1_CONFIG=/etc/pid1/pid1.conf \
		-v "$conf:/etc/pid1/pid1.conf:ro" -- \
		"trap 'echo SIGUSR1 >>/shared/sigs' USR1; trap 'echo SIGHUP >>/shared/sigs' HUP
		$READY; while :; do sleep 0.05; done"
	podman_ kill --signal HUP pid1 >/dev/null
	wait_until file_has "$SHARED/sigs" SIGUSR1
	ctr_stop pid1
	[ "$CODE" -eq 143 ] || fail "pid1: exit $CODE, expected 143"
	run cat "$SHARED/sigs"
	assert_output SIGUSR1
	# The same way in, a bad file stops the container before its command starts.
	printf 'signal SIGFOO { action = ignore }\n' >"$conf"
	run -2 podman_ run --rm "${RUN_OPTS[@]}" "${PID1_INIT[@]}" \
		-e PID1_CONFIG=/etc/pid1/pid1.conf -v "$conf:/etc/pid1/pid1.conf:ro" \
		"$IMAGE" sh -c 'echo started'
	assert_output --partial "/etc/pid1/pid1.conf:1: unknown signal 'SIGFOO'"
	refute_output --partial started
}

# The image examples/kubernetes.yaml names, made here: the busybox tree with the static pid1
# where examples/Dockerfile puts it, and for the manifest's `python3 -m http.server 8080` a
# stand-in that traps SIGTERM (its clean-up takes half a second and is written to the log),
# ignores SIGINT, and notes each signal on its standard output.
WEB_IMAGE=localhost/pid1-web:test

# make_web_image: $WEB_IMAGE, from the tree make_image left in $PM/rootfs.
make_web_image() {
	local root=$BATS_FILE_TMPDIR/web
	[ -d "$root" ] && return 0
	cp -a "$PM/rootfs" "$root"
	mkdir -p "$root/usr/sbin" "$root/usr/bin"
	cp "$STATIC_PID1" "$root/usr/sbin/pid1"
	cat >"$root/usr/bin/python3" <<-'EOF'
		#!/bin/sh
		trap 'echo "server: SIGINT, ignored"' INT
		trap 'echo "server: SIGTERM, finishing"; sleep 0.5; echo "server: clean-up done"; exit 0' TERM
		echo "server: serving as uid $(id -u)"
		while :; do sleep 0.05; done
	EOF
	chmod 0755 "$root/usr/bin/python3"
	tar -C "$root" -cf "$BATS_FILE_TMPDIR/web.tar" . &&
		podman_import "$BATS_FILE_TMPDIR/web.tar" "$WEB_IMAGE" >/dev/null
}

# configmap NAME KEY FILE: a ConfigMap document as `kubectl create configmap NAME
# --from-file=KEY=FILE` makes it.
configmap() {
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  %s: |\n' "$1" "$2"
	sed 's/^/    /' "$3"
}

# kube_ns: a mount namespace for `podman kube play`, held open by a sleeping process
# (KUBE_NS, its pid). With cgroupfs on cgroup v1, podman makes a pod's cgroup in every
# controller /proc/cgroups lists as enabled, mounted or not; where some are not mounted (a
# VM that mounts only some), this namespace mounts them over a private /sys/fs/cgroup that
# also holds the machine's own. The pod's network namespace is mounted there too, so every
# podman command of the test runs in it (kpod).
kube_ns() {
	local missing=
	if [ "$(stat -fc %T /sys/fs/cgroup)" = tmpfs ]; then
		missing=$(awk 'NR > 1 && $4 == 1 { print $1 }' /proc/cgroups |
			while read -r c; do mountpoint -q "/sys/fs/cgroup/$c" || echo "$c"; done)
	fi
	# shellcheck disable=SC2016,SC2086 # for the inner shell; missing: one word a controller
	unshare --mount --propagation private sh -c '
		dir=$1
		shift
		if [ "$#" -gt 0 ]; then
			mkdir -p "$dir/cg" && mount --rbind /sys/fs/cgroup "$dir/cg" &&
				mount -t tmpfs -o mode=755 tmpfs /sys/fs/cgroup || exit 1
			for d in "$dir"/cg/*; do
				n=${d##*/}
				if [ -L "$d" ]; then
					ln -s "$(readlink "$d")" "/sys/fs/cgroup/$n"
				else
					mkdir "/sys/fs/cgroup/$n" && mount --bind "$d" "/sys/fs/cgroup/$n"
				fi
			done
			for c in "$@"; do
				rm -f "/sys/fs/cgroup/$c" 2>/dev/null
				mkdir -p "/sys/fs/cgroup/$c" &&
					mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c"
			done
		fi
		echo ready >"$dir/kube-ns"
		exec sleep 600' kube_ns "$BATS_TEST_TMPDIR" $missing </dev/null >/dev/null 2>&1 3>&- &
	KUBE_NS=$!
	wait_until file_has "$BATS_TEST_TMPDIR/kube-ns" ready
}

# kpod ARGS...: podman_ in the namespace of kube_ns.
kpod() {
	local cmd
	podman_cmd
	timeout -k 5 "$PID1_TIMEOUT" nsenter -t "$KUBE_NS" -m "${cmd[@]}" "$@"
}

# pod_log: the web container's log (pid1's lines and the stand-in's).
pod_log() {
	kpod logs "$CTR_NAME" 2>&1
}

# What podman 4.3's kube play makes of the manifest, and what it leaves out: the Deployment
# becomes one pod (web-pod-0), the ConfigMap volume, the env and the restricted
# securityContext (uid 10001, read-only root, no capabilities, no privilege escalation,
# seccomp) are applied; readinessProbe is ignored (no healthcheck is made: the test runs the
# probe's command with podman exec, as the kubelet does) and so is
# terminationGracePeriodSeconds (the stop timeout stays podman's 10 s: the test gives
# podman pod stop -t 30).
@test "podman kube play examples/kubernetes.yaml: pid1 as PID 1 with the ConfigMap's config, its probe command passes, podman pod stop runs the ladder to the clean-up" {
	make_web_image
	local yaml=$BATS_TEST_TMPDIR/kube.yaml cm=$BATS_TEST_TMPDIR/configmap.yaml ctr start took
	# The example as it is but for the image, the local one (never a registry), and its
	# port: podman 4.3 publishes a containerPort on the same port of the host, which
	# Kubernetes does not do and which may be taken here; the pod runs with no network.
	sed -e 's|image: registry.example.com/web:1.0|image: '"$WEB_IMAGE"'|' \
		-e '/^ *ports:$/d' -e '/^ *- containerPort: 8080$/d' \
		"$PID1_SRCDIR/examples/kubernetes.yaml" >"$yaml"
	grep -q "image: $WEB_IMAGE" "$yaml"
	run ! grep -q containerPort "$yaml"
	configmap web-pid1 pid1.conf "$PID1_SRCDIR/examples/pid1.conf" >"$cm"
	kube_ns
	kpod kube play --network none --configmap "$cm" "$yaml" >/dev/null
	ctr=$(kpod ps --filter pod=web-pod-0 --format '{{.Names}}' | grep -v infra)
	[ -n "$ctr" ] || fail "no container from the manifest: $(kpod ps -a)"
	CTR_NAME=$ctr
	# The name README.md uses: the pod, then the container.
	[ "$ctr" = web-pod-0-web ] || fail "the container is called $ctr"
	wait_until kpod exec "$ctr" /usr/sbin/pid1 ctl -t 1 ready
	# pid1 is PID 1, as uid 10001, with the config from the ConfigMap.
	run -0 kpod exec "$ctr" /bin/sh -c "/bin/tr '\\0' ' ' </proc/1/cmdline"
	assert_output '/usr/sbin/pid1 -- python3 -m http.server 8080 '
	run -0 kpod exec "$ctr" /bin/cat /proc/1/status
	assert_line --regexp $'^Uid:\t10001\t'
	run -0 kpod exec "$ctr" /bin/cat /etc/pid1/pid1.conf
	assert_output "$(cat "$PID1_SRCDIR/examples/pid1.conf")"
	run -0 pod_log
	assert_output --partial 'server: serving as uid 10001'
	# The budget from the pod's environment: the example's ladder fits in it.
	run -0 kpod exec "$ctr" /usr/sbin/pid1 -n
	assert_line '# shutdown budget 25s: the final SIGKILL by 24s at the latest, pid1 gone by 24500ms'
	assert_line '# from the first step: the configured 15s fits, times as configured'
	echo "# podman 4.3 made of the manifest: stop timeout" \
		"$(kpod inspect --format '{{.Config.StopTimeout}}' "$ctr") s, healthcheck" \
		"$(kpod inspect --format '{{.Config.Healthcheck}}' "$ctr")" >&3
	# The readiness probe's command, as the kubelet runs it, as the pod's user.
	run -0 kpod exec "$ctr" /usr/sbin/pid1 ctl -t 1 ready
	assert_output --partial ready
	start=$(now_ms)
	kpod pod stop -t 30 web-pod-0 >/dev/null
	took=$(($(now_ms) - start))
	echo "# podman pod stop took $took ms" >&3
	run -0 kpod inspect --format '{{.State.ExitCode}}' "$ctr"
	assert_output 0
	run -0 pod_log
	assert_output --partial 'shutdown step 1/3: SIGINT to all'
	assert_output --partial 'server: SIGINT, ignored'
	assert_output --partial 'shutdown step 2/3: SIGTERM to all'
	assert_output --partial 'server: clean-up done'
	refute_output --partial 'err:'
	refute_output --partial 'shutdown budget'
	# The delay, SIGINT's grace, then SIGTERM and the clean-up: 8.5 s, within the budget.
	assert_between "podman pod stop (ms)" "$took" 8000 20000
	kpod kube down "$yaml" >/dev/null
}
