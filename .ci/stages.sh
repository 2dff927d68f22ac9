#!/bin/sh
# SPDX-License-Identifier: MIT
# Every check pid1 must pass. `sh .ci/stages.sh` runs them all and stops at the first stage
# that fails; `sh .ci/stages.sh STAGE...` runs only those (`--list` names them, in the order
# they run). CI runs them all through `sh quickstart.sh check`, which installs the packages
# first. A stage builds what it needs when an earlier one has not, so one alone works:
#
#   sh .ci/stages.sh clang-tidy       sh .ci/stages.sh unit suite-asan
#
# The order: what fails in seconds (builds, linters, unit tests) comes first; then the other
# builds; then the test suites, which take minutes, in two lanes side by side: the shipped musl
# build's suite pinned to one CPU, which it has to itself, and the suite under ASan with the
# files under real clients (Docker, podman, systemd, the .deb) at a lower priority, free to
# use any CPU. A fork storm in one lane so cannot starve the other's ladder tests past their
# graces, and the suite still runs on one CPU and on several. With one CPU, the lanes run one
# after another.
set -eu
cd "$(dirname "$0")/.."

# name: what it checks. The lanes (1, 2) run side by side, each one stage after another.
stage_list() {
	cat <<'EOF'
versions	the tools and their versions
packages	every command and file the stages use is installed (quickstart.sh's lists)
build	build with gcc, -Werror (build-ci)
format	clang-format: the code is formatted (make format-check)
shellcheck	shellcheck of .ci, quickstart.sh, scripts and the tests
cppcheck	cppcheck of src
clang-tidy	clang-tidy with .clang-tidy's checks, the files in parallel
unit	unit tests (gcc)
clang	build with clang, -Werror, unit tests
static	the static build the suites run alone in a chroot and in runc (PID1_STATIC)
musl	musl libraries (cached in /var/cache/pid1-musl), their tests, static build with musl
arm64	static musl build for arm64 and its smoke test (under qemu-user off arm64)
asan	build with ASan+UBSan
suite-musl	lane 1: the test suite against the musl static build, on one CPU (as PID 1, in a chroot, in runc)
fresh-root	lane 1: README's quick start in a fresh Debian 12 root
distcheck	lane 1: make distcheck: the tarball builds, installs and passes the core tests
fuzz	lane 1: fuzz the config parser with libFuzzer (60 s)
suite-asan	lane 2: the test suite under ASan+UBSan (gcc; the glibc static build alone in a chroot, in runc)
clients	lane 2: pid1 under Docker, podman, systemd, as a .deb, and a real stack (tests/3[3-7]-*.bats)
EOF
}

LANE=
case ${1:-} in
--lane)
	# Internal: the stages of one lane (see lane below).
	LANE=yes
	shift
	;;
--list)
	stage_list | expand -t 12
	exit 0
	;;
-h | --help)
	echo "usage: sh .ci/stages.sh [--list | STAGE...]"
	exit 0
	;;
esac
for s in "$@"; do
	stage_list | cut -f1 | grep -qx -- "$s" || {
		echo "stages.sh: no stage '$s'; these are (sh .ci/stages.sh --list):" >&2
		stage_list | cut -f1 | tr '\n' ' ' >&2
		echo >&2
		exit 2
	}
done
CHOSEN=" $* "

# chosen NAME: NAME was asked for, or nothing was (then every stage is).
chosen() {
	[ "$CHOSEN" = "  " ] || case $CHOSEN in *" $1 "*) true ;; *) false ;; esac
}

passed=0
failed=0

# stage NAME COMMAND...: runs COMMAND as stage NAME, if chosen, and says how long it took.
stage() {
	name=$1
	shift
	chosen "$name" || return 0
	echo
	echo "=== $name: $(stage_list | awk -F'\t' -v n="$name" '$1 == n { print $2 }') ==="
	start=$(date +%s)
	if "$@"; then
		passed=$((passed + 1))
		echo "=== $name: ok ($(($(date +%s) - start))s) ==="
	else
		failed=$((failed + 1))
		echo "=== $name: FAILED ($(($(date +%s) - start))s) ==="
		echo "$passed passed, $failed failed"
		exit 1
	fi
}

# make check in DIR, printing the logs of what failed.
check_in() {
	dir=$1
	shift
	# shellcheck disable=SC2086 # PIN is a command's words: taskset for the one-CPU pass
	(cd "$dir" && make -j"$(nproc)" check TESTS= >/dev/null && ${PIN:-} make check "$@") || {
		for f in "$dir"/tests/*.log "$dir"/tests/unit/*.log; do
			[ -f "$f" ] && grep -q -E '^(not ok|FAIL)' "$f" && cat "$f"
		done
		tail -n 100 "$dir/test-suite.log" 2>/dev/null
		return 1
	}
}

# configure_in DIR OPTIONS...: a fresh out-of-tree build in DIR.
configure_in() {
	dir=$1
	shift
	[ -x configure ] || ./autogen.sh
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && ../configure -q "$@" && make -j"$(nproc)" >/dev/null)
}

# need DIR OPTIONS...: the build in DIR, made by an earlier stage or now, up to date.
need() {
	if [ -f "$1/Makefile" ]; then
		(cd "$1" && make -j"$(nproc)" >/dev/null)
	else
		configure_in "$@"
	fi
}

need_ci() { need build-ci --enable-werror; }
need_static() { need build-static --enable-static-binary --enable-werror; }
need_musl() { sh scripts/musl-deps.sh >/dev/null && need build-musl --enable-static-binary=musl --enable-werror; }
need_asan() { need build-asan --enable-sanitizers; }

UNIT_TESTS=
CLIENT_TESTS=
OWN_BATS=
for t in tests/unit/test-*.c tests/[0-9]*.bats; do
	case $t in
	*.c) UNIT_TESTS="$UNIT_TESTS ${t%.c}" ;;
	*-docker.bats | *-podman.bats | *-systemd.bats | *-deb.bats | *-stack.bats) CLIENT_TESTS="$CLIENT_TESTS $t" ;;
	*) OWN_BATS="$OWN_BATS $t" ;;
	esac
done
# own_tests FILE: the unit tests, then the bats files but the real clients', from FILE on and
# round to the one before it. The suites that run side by side start at different files, so
# they seldom wait for each other at .ci/one-file.sh's lock.
own_tests() {
	first=
	rest=
	for t in $OWN_BATS; do
		if [ -n "$first" ] || [ "$t" = "tests/$1.bats" ]; then
			first="$first $t"
		else
			rest="$rest $t"
		fi
	done
	echo "$UNIT_TESTS$first$rest"
}

# The suites that run side by side never run the same bats file at once (some use fixed
# paths, a test user or a sysctl): .ci/one-file.sh holds a lock named after the file.
BATS_ONE_FILE="BATS_LOG_COMPILER=$PWD/.ci/one-file.sh timeout"

versions() {
	uname -r
	gcc --version | head -n 1
	clang --version | head -n 1
	bats --version
	pkg-config --modversion libconfuse libbsd
	dpkg-query -W musl-dev
	unshare --version
}

shellcheck_all() {
	shellcheck -s sh .ci/run .ci/stages.sh .ci/one-file.sh .ci/fresh-root.sh quickstart.sh \
		examples/demo.sh scripts/musl-deps.sh &&
		shellcheck -x -s bash tests/lib/*.bash tests/setup_suite.bash tests/*.bats \
			tests/cross/*.bats tests/scripts/*.bats
}

clang_tidy() {
	need_ci || return 1
	flags="-std=gnu11 -Ibuild-ci -Isrc -DLIBBSD_NETBSD_VIS -D_GNU_SOURCE"
	flags="$flags $(pkg-config --cflags libconfuse libbsd-overlay)"
	# shellcheck disable=SC2016 # for the inner shell: $1 is the flags, the rest files
	printf '%s\n' src/*.c src/*/*.c | xargs -P"$(nproc)" -n 4 \
		sh -c 'f=$1 && shift && exec clang-tidy --quiet "$@" -- $f' sh "$flags"
}

unit() {
	# shellcheck disable=SC2086 # one word per test
	need_ci && check_in build-ci TESTS="$UNIT_TESTS"
}

clang_build() {
	configure_in build-clang CC=clang --enable-werror && check_in build-clang TESTS="$UNIT_TESTS"
}

musl() {
	sh scripts/musl-deps.sh &&
		bats tests/scripts/musl-deps.bats &&
		configure_in build-musl --enable-static-binary=musl --enable-werror
}

# The same static musl build for arm64, cross-compiled with Debian's arm64 musl-dev, and its
# smoke test as PID 1 of a PID namespace: under qemu-user where the machine is not arm64.
arm64() (
	host=
	wrapper=
	if [ "$(uname -m)" != aarch64 ]; then
		host=--host=aarch64-linux-musl
		wrapper=qemu-aarch64-static
	fi
	sh scripts/musl-deps.sh $host &&
		configure_in build-arm64 $host --enable-static-binary=musl --enable-werror &&
		PID1="$PWD/build-arm64/src/pid1" PID1_WRAPPER=$wrapper bats tests/cross/arm64.bats
)

clients() (
	need_ci && need_static || exit 1
	PID1_STATIC="$PWD/build-static/src/pid1"
	export PID1_STATIC
	check_in build-ci TESTS="$CLIENT_TESTS"
)

# The musl static build is the one shipped: the whole suite runs against it, as PID 1, alone
# in a chroot and in runc, pinned to one CPU, where pid1 and its processes interleave most
# (signals during start-up, orphans reaped while they run, graces measured); its unit tests
# and helpers are built with musl too.
suite_musl() (
	need_musl || exit 1
	PID1_STATIC="$PWD/build-musl/src/pid1"
	export PID1_STATIC
	PIN="taskset -c 0" check_in build-musl "$BATS_ONE_FILE" TESTS="$(own_tests 13-ready)"
)

# Under ASan+UBSan the suite runs free to use every CPU; the files that want a static build
# get the glibc one, so both static builds run alone in a chroot and in runc.
suite_asan() (
	need_asan && need_static || exit 1
	PID1_STATIC="$PWD/build-static/src/pid1"
	export PID1_STATIC
	check_in build-asan "$BATS_ONE_FILE" TESTS="$(own_tests 21-stress)"
)

# The tarball must build, install and pass its unit tests and the core suite; the whole
# suite runs in the lanes. In a build directory of its own, as lane 1 uses build-ci.
distcheck() {
	[ -x configure ] || ./autogen.sh
	mkdir -p build-dist
	(cd build-dist && ../configure -q && make distcheck >/dev/null \
		TESTS="$UNIT_TESTS tests/00-layout.bats tests/01-cli.bats tests/02-exit.bats tests/05-config.bats tests/09-man.bats")
}

# lane N STAGE...: the chosen ones of the stages, one after another, in the background (one
# lane after another where there is one CPU), their output in ci-logs/lane-N.log. LANE_CMD
# goes before it: how the lane shares the CPUs. A background job of a shell starts with
# SIGINT and SIGQUIT ignored, which the tests' children would inherit: env puts them back.
LANES=
lane() {
	n=$1
	shift
	todo=
	for s in "$@"; do
		! chosen "$s" || todo="$todo $s"
	done
	[ -n "$todo" ] || return 0
	mkdir -p ci-logs
	echo "=== lane $n:$todo (output in ci-logs/lane-$n.log) ==="
	# shellcheck disable=SC2086 # one word per stage, LANE_CMD a command's words
	if [ "$(nproc)" -ge 2 ]; then
		$LANE_CMD env --default-signal=INT,QUIT sh .ci/stages.sh --lane $todo \
			>"ci-logs/lane-$n.log" 2>&1 &
		LANES="$LANES $n:$!"
	elif $LANE_CMD sh .ci/stages.sh --lane $todo >"ci-logs/lane-$n.log" 2>&1; then
		LANES="$LANES $n:"
	else
		LANES="$LANES $n:fail"
	fi
}

# join: waits for every lane, prints each one's output, and fails if one did.
join() {
	bad=0
	for l in $LANES; do
		case ${l#*:} in
		'') ;;
		fail) bad=1 ;;
		*) wait "${l#*:}" || bad=1 ;;
		esac
		cat "ci-logs/lane-${l%%:*}.log"
		passed=$((passed + $(grep -c '^=== .*: ok (' "ci-logs/lane-${l%%:*}.log" || true)))
	done
	LANES=
	if [ "$bad" = 1 ]; then
		echo "=== a lane FAILED (above) ==="
		echo "$passed passed, 1 or more failed"
		exit 1
	fi
}

run_stages() {
	stage versions versions
	# What the stages use, from the one list in quickstart.sh: a gap fails here, not at the
	# stage that needs it.
	stage packages sh quickstart.sh verify check
	stage build configure_in build-ci --enable-werror
	stage format sh -c 'cd build-ci && make format-check'
	stage shellcheck shellcheck_all
	stage cppcheck cppcheck -q --enable=warning,portability --error-exitcode=1 \
		--suppress=missingIncludeSystem -I src src
	stage clang-tidy clang_tidy
	stage unit unit
	stage clang clang_build
	stage static configure_in build-static --enable-static-binary --enable-werror
	stage musl musl
	stage arm64 arm64
	stage asan configure_in build-asan --enable-sanitizers
	# Lane 1 keeps to CPU 0, as its suite does when run alone (suite_musl). Lane 2 runs at a
	# lower priority: where it wants CPU 0 too, lane 1's timing wins, and it has the others
	# to itself. In a fresh Debian 12 root, what quickstart.sh installs there
	# must be all the stages use (this machine's own packages cannot hide a gap), and the
	# demo must run.
	mkdir -p ci-logs build-dist build-fuzz
	LANE_CMD="taskset -c 0"
	lane 1 suite-musl fresh-root distcheck fuzz
	LANE_CMD="nice -n 10"
	lane 2 suite-asan clients
	join
}

if [ -n "$LANE" ]; then
	stage suite-musl suite_musl
	stage fresh-root sh .ci/fresh-root.sh
	stage distcheck distcheck
	stage fuzz sh .ci/fuzz.sh
	stage suite-asan suite_asan
	stage clients clients
	exit 0
fi

run_stages
echo
echo "$passed passed, $failed failed"
