#!/usr/bin/env bash
# scripts/build-extension.sh fails loudly: a build that cargo rejects makes it exit non-zero with
# cargo's error shown, even though an earlier build left the extension installed (the installed
# control file alone once passed for success). Prints "build-extension: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/cluster.sh

control="$("$PG_CONFIG" --sharedir)/extension/alimentador.control"
check "an earlier build installed the extension" test -f "$control"
# A feature the crate does not have: cargo refuses at once, before compiling anything.
out="$(PG_MAJOR=99 PG_CONFIG_99="$PG_CONFIG" scripts/build-extension.sh debug 2>&1)"
rc=$?
check "a failed build exits non-zero" eq "$rc" 1
check "with cargo's error shown" contains "$out" "does not contain this feature: pg99"
check "and says that the build failed" contains "$out" "cargo pgrx install failed"
summary build-extension
