#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the config-parser fuzz target with clang and libFuzzer and runs it for a bounded
# time (FUZZ_SECONDS, default 60) on a seed corpus of the good and bad test configs.
# A crash leaves its input in build-fuzz/; add it to tests/conf/bad/ as a regression test.
set -eu
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
[ -x configure ] || ./autogen.sh
rm -rf build-fuzz
mkdir -p build-fuzz/corpus
cp tests/conf/good/*.conf tests/conf/bad/*.conf etc/pid1.conf build-fuzz/corpus/ 2>/dev/null || true
cd build-fuzz
../configure -q CC=clang >/dev/null
# Every module but main(): the fuzz target brings its own entry point.
set --
for f in ../src/*.c ../src/*/*.c; do
	[ "$f" = ../src/pid1.c ] || set -- "$@" "$f"
done
# shellcheck disable=SC2046 # word splitting of pkg-config's flag lists is wanted
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-DLIBBSD_NETBSD_VIS -I. -I../src $(pkg-config --cflags libconfuse libbsd-overlay) \
	../tests/fuzz/fuzz-conf.c "$@" $(pkg-config --libs libconfuse libbsd-overlay) -o fuzz-conf
./fuzz-conf -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 corpus
