#!/usr/bin/env bash
# Lint, every finding fatal: rustfmt, clippy with warnings as errors (the default feature, then with
# the pg_test feature that compiles the #[pg_test] module into the library, as `cargo pgrx test`
# builds it), and shellcheck on every shell script of the repository (tracked or new, not ignored).
# Runs every check and reports them all before failing. Run by scripts/test.sh first; alone it needs
# what scripts/install-deps.sh installs (with PG_CONFIG/PGRX_HOME as for the build):
#   scripts/lint.sh
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "alimentador[lint]: $*"; }

missing() { log "$1 is missing: run scripts/install-deps.sh" >&2; exit 1; }
cargo fmt --version >/dev/null 2>&1 || missing rustfmt
cargo clippy --version >/dev/null 2>&1 || missing clippy
shellcheck --version >/dev/null 2>&1 || missing shellcheck

# Shell scripts: *.sh, and other files whose first line runs sh or bash (.ci/run).
shell_scripts() {
  local f first shebang='^#!.*[/ ](ba)?sh( |$)'
  git ls-files --cached --others --exclude-standard | while IFS= read -r f; do
    [ -f "$f" ] || continue
    case "$f" in
      *.sh) echo "$f" ;;
      *) first=""
         IFS= read -r -n 200 first <"$f" || : # a one-line file without a newline still fills it
         if [[ $first =~ $shebang ]]; then echo "$f"; fi ;;
    esac
  done
}
mapfile -t scripts < <(shell_scripts)
[ "${#scripts[@]}" -gt 0 ] || { log "no shell script found (not a git checkout?)" >&2; exit 1; }

failed=()
run() {
  log "$*"
  "$@" || failed+=("$*")
}
run cargo fmt --check
run python3 scripts/check-imports.py
run cargo clippy --all-targets -- -D warnings
run cargo clippy --all-targets --features pg_test -- -D warnings
# The verifier (verify/): a crate of its own, not a member of the extension's.
run cargo fmt --check --manifest-path verify/Cargo.toml
run cargo clippy --manifest-path verify/Cargo.toml --all-targets -- -D warnings
# -x follows the sourced tests/lib/cluster.sh (.shellcheckrc says where from); every severity.
run shellcheck -x "${scripts[@]}"

if [ "${#failed[@]}" -gt 0 ]; then
  log "FAILED: ${failed[*]}" >&2
  exit 1
fi
log "clean: rustfmt, clippy (default feature, and pg_test; verify/), shellcheck (${#scripts[@]} scripts)"
