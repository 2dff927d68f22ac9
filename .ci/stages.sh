#!/bin/sh
# SPDX-License-Identifier: MIT
# Every check pid1 must pass, in order; stops at the first failure. Run through
# `sh quickstart.sh check`, which installs the packages first.
set -eu
cd "$(dirname "$0")/.."
passed=0
failed=0

stage() {
	name=$1
	shift
	echo
	echo "=== $name ==="
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
	# One bats file at a time: the stress tests load the machine, and timing bounds in the
	# others are generous but not unlimited.
	(cd "$dir" && make -j"$(nproc)" check TESTS= >/dev/null && make check "$@") || {
		for f in "$dir"/tests/*.log "$dir"/tests/unit/*.log; do
			[ -f "$f" ] && grep -q -E '^(not ok|FAIL)' "$f" && cat "$f"
		done
		tail -n 100 "$dir/test-suite.log" 2>/dev/null
		return 1
	}
}

configure_in() {
	dir=$1
	shift
	[ -x configure ] || ./autogen.sh
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && ../configure -q "$@" && make -j"$(nproc)" >/dev/null)
}

versions() {
	uname -r
	gcc --version | head -n 1
	clang --version | head -n 1
	bats --version
	pkg-config --modversion libconfuse libbsd
	dpkg-query -W musl-dev
	unshare --version
}

stage "tool versions" versions
# What the stages use, from the one list in quickstart.sh: a gap fails here, not at the
# stage that needs it; and in a fresh Debian 12 root, what quickstart.sh installs there must
# be all of it (this machine's own packages cannot hide a gap), and the demo must run.
stage "every command and file the stages use is installed" sh quickstart.sh verify check
stage "README's quick start in a fresh Debian 12 root" sh .ci/fresh-root.sh
# The static build first: the suite runs it alone in a chroot and in runc (PID1_STATIC).
stage "static build" configure_in build-static --enable-static-binary --enable-werror
export PID1_STATIC="$PWD/build-static/src/pid1"
stage "build with gcc, -Werror" configure_in build-ci --enable-werror
stage "test suite (gcc)" check_in build-ci
# The files that prove pid1 under real clients (Docker, podman, systemd, the Debian package)
# run the static build whatever the build under test: the gcc stage runs them, once.
OWN_TESTS=
for t in tests/unit/test-*.c tests/[0-9]*.bats; do
	case $t in
	*-docker.bats | *-podman.bats | *-systemd.bats | *-deb.bats) ;;
	*.c) OWN_TESTS="$OWN_TESTS ${t%.c}" ;;
	*) OWN_TESTS="$OWN_TESTS $t" ;;
	esac
done
stage "test suite pinned to one CPU" taskset -c 0 sh -c "cd build-ci && make check TESTS='$OWN_TESTS'"
# The musl static build: its libraries come from Debian's source packages, built once into
# a cache outside the tree. The whole suite runs against it, as PID 1, alone in a chroot and
# in runc (PID1_STATIC); its unit tests and helpers are built with musl too.
musl_suite() (
	PID1_STATIC="$PWD/build-musl/src/pid1"
	export PID1_STATIC
	check_in build-musl TESTS="$OWN_TESTS"
)
stage "musl libraries (cached in /var/cache/pid1-musl)" sh scripts/musl-deps.sh
stage "musl libraries: Debian's patches, a changed cache is rebuilt" \
	bats tests/scripts/musl-deps.bats
stage "static build with musl" configure_in build-musl --enable-static-binary=musl --enable-werror
stage "test suite (musl static)" musl_suite
# The same static musl build for arm64, cross-compiled with Debian's arm64 musl-dev, and its
# smoke test as PID 1 of a PID namespace: under qemu-user where the machine is not arm64.
arm64_smoke() (
	wrapper=
	[ "$(uname -m)" = aarch64 ] || wrapper=qemu-aarch64-static
	PID1="$PWD/build-arm64/src/pid1" PID1_WRAPPER=$wrapper bats tests/cross/arm64.bats
)
if [ "$(uname -m)" = aarch64 ]; then
	arm64_host=
else
	arm64_host=--host=aarch64-linux-musl
fi
stage "musl libraries for arm64" sh scripts/musl-deps.sh $arm64_host
stage "static build with musl for arm64" configure_in build-arm64 $arm64_host \
	--enable-static-binary=musl --enable-werror
stage "arm64 smoke test" arm64_smoke
# shellcheck disable=SC2016 # expanded by the inner shell
stage "build with clang, -Werror, unit tests" sh -c \
	'rm -rf build-clang && mkdir build-clang && cd build-clang && ../configure -q CC=clang --enable-werror && make -j2 >/dev/null && make check TESTS="$(cd .. && ls tests/unit/test-*.c | sed "s/\.c\$//" | tr "\n" " ")"'
stage "build with ASan+UBSan" configure_in build-asan --enable-sanitizers
stage "test suite under ASan+UBSan" check_in build-asan TESTS="$OWN_TESTS"
stage "format check" sh -c 'cd build-ci && make format-check'
stage "shellcheck" shellcheck -s sh .ci/run .ci/stages.sh .ci/fresh-root.sh quickstart.sh \
	examples/demo.sh scripts/musl-deps.sh
stage "shellcheck tests" shellcheck -x -s bash tests/lib/*.bash tests/setup_suite.bash tests/*.bats \
	tests/cross/*.bats tests/scripts/*.bats
stage "cppcheck" cppcheck -q --enable=warning,portability --error-exitcode=1 \
	--suppress=missingIncludeSystem -I src src
# shellcheck disable=SC2016 # expanded by the inner shell
stage "clang-tidy (checks in .clang-tidy)" sh -c \
	'clang-tidy --quiet src/*.c src/*/*.c -- -std=gnu11 -Ibuild-ci -Isrc -DLIBBSD_NETBSD_VIS -D_GNU_SOURCE $(pkg-config --cflags libconfuse libbsd-overlay)'
stage "fuzz the config parser (60 s)" sh .ci/fuzz.sh
# The tarball must build, install and pass its unit tests and the core suite; the whole
# suite has run three times above already.
stage "make distcheck" sh -c 'cd build-ci && make distcheck >/dev/null \
	TESTS="tests/unit/test-conf tests/unit/test-duration tests/unit/test-exitcode tests/unit/test-signame tests/00-layout.bats tests/01-cli.bats tests/02-exit.bats tests/05-config.bats tests/09-man.bats"'

echo
echo "$passed passed, $failed failed"
