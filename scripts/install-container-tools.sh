#!/usr/bin/env bash
# What the container tests need (tests/e2e/package.sh): podman with runc and cgroupfs, debootstrap, and
# a Debian bookworm base image built here from Debian's mirror (no image registry is needed):
# `debootstrap --variant=minbase bookworm` imported as localhost/alimentador-base:bookworm. Idempotent.
# Prints nothing but its log lines; exits non-zero when podman cannot run a container.
#   CONTAINERS_CONF   podman's settings; tests/lib/containers.sh points it at its own file
set -euo pipefail
log() { echo "alimentador[install-container-tools]: $*"; }
packages=(podman runc debootstrap containernetworking-plugins podman-compose python3-jsonschema)
# shellcheck source=scripts/lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
apt_install_missing "${packages[@]}"
base=localhost/alimentador-base:bookworm
if ! podman image exists "$base"; then
  rootfs="$(mktemp -d /var/tmp/alimentador-rootfs.XXXXXX)"
  log "debootstrap --variant=minbase bookworm (about a minute), imported as $base"
  debootstrap --variant=minbase bookworm "$rootfs" >"$rootfs.log" 2>&1 || { tail -20 "$rootfs.log" >&2; exit 1; }
  tar -C "$rootfs" -c . | podman import - "$base" >/dev/null
  rm -rf "$rootfs" "$rootfs.log"
fi
podman run --rm --network=host "$base" true
log "ready: $(podman --version), base image $base"
