#!/bin/sh
# SPDX-License-Identifier: MIT
# one-file.sh COMMAND... FILE: COMMAND (the test driver, as automake's BATS_LOG_COMPILER runs
# it) while holding a lock named after FILE, so that suites run side by side by
# .ci/stages.sh never run the same bats file at once: some files use fixed paths
# (/tmp/pid1-65534), a test user of a fixed name or a sysctl, which two runs would share.
# Different files still run at the same time.
set -eu
for file; do :; done
exec flock "${TMPDIR:-/tmp}/pid1-test.${file##*/}.lock" "$@"
