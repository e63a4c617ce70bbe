# shellcheck shell=bash
# podman on this machine kind: runc (crun refuses its cgroup layout), cgroupfs, no raised ulimits
# (they cannot be), host networking. Source it; `containers_ready` installs what is missing and says
# whether podman runs here: where it cannot, a test skips with a message, except under CI (CI=true),
# where that is a failure.
CONTAINERS_CONF="$(mktemp /tmp/alimentador-containers.XXXXXX.conf)"
export CONTAINERS_CONF
cat > "$CONTAINERS_CONF" <<'CONF'
[containers]
default_ulimits = []
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
export BASE_IMAGE=localhost/alimentador-base:bookworm
containers_ready() {
  local repo; repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  "$repo/scripts/install-container-tools.sh" && return 0
  if [ "${CI:-}" = true ]; then
    echo "  FAIL podman cannot run containers on this machine (CI=true: not skipped)" >&2
    return 1
  fi
  echo "  SKIP podman cannot run containers here: the container checks are skipped (they run in CI)"
  return 2
}
