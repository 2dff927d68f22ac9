# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Runs once before each bats file: the binary must exist and unshare --pid must work, or
# the whole file fails loudly instead of every test skipping.

setup_suite() {
	: "${PID1_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
	: "${PID1:=$PID1_SRCDIR/build/src/pid1}"
	if [ ! -x "$PID1" ]; then
		echo "setup_suite: pid1 binary not found at $PID1 (build first, or set PID1)" >&2
		return 1
	fi
	if [ "$(unshare --pid --fork --mount-proc sh -c 'echo $$' 2>&1)" != 1 ]; then
		echo "setup_suite: 'unshare --pid --fork --mount-proc' does not work here (run as root)" >&2
		return 1
	fi
}
