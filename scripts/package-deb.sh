#!/usr/bin/env bash
# A Debian package of the extension for one PostgreSQL major, from `cargo pgrx package`:
#   scripts/package-deb.sh MAJOR OUTDIR [PACKAGE_TREE]
# writes OUTDIR/postgresql-MAJOR-alimentador_<version>_<arch>.deb, laid out as Debian's (and the
# PostgreSQL apt repository's) postgresql-MAJOR packages are: /usr/lib/postgresql/MAJOR/lib and
# /usr/share/postgresql/MAJOR/extension; it depends on postgresql-MAJOR. PACKAGE_TREE is the output of
# `cargo pgrx package --out-dir` for that major (built here when not given: release, or debug with
# PACKAGE_PROFILE=debug); DEB_COMPRESSION (xz) is dpkg-deb's -Z. Install with `apt-get install ./postgresql-15-alimentador_….deb`.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO_ROOT="$PWD"
. scripts/lib/pg.sh
. tests/lib/packages.sh
major="${1:?usage: scripts/package-deb.sh MAJOR OUTDIR [PACKAGE_TREE]}"
out="${2:?usage: scripts/package-deb.sh MAJOR OUTDIR [PACKAGE_TREE]}"
tree="${3:-}"
pg_config="$(pg_config_for "$major")"
version="$(sed -n -E 's/^version = "(.*)"$/\1/p' Cargo.toml | head -1)"
arch="$(dpkg --print-architecture)"
name="postgresql-$major-alimentador"
stage="$(mktemp -d /tmp/alimentador-deb.XXXXXX)"
trap 'rm -rf "$stage"' EXIT
if [ -z "$tree" ]; then
  tree="$stage/tree"
  PACKAGE_PROFILE="${PACKAGE_PROFILE:-release}" package_build "$REPO_ROOT" "$pg_config" "$tree"
fi
root="$stage/root"
lib="$root/usr/lib/postgresql/$major/lib"; ext="$root/usr/share/postgresql/$major/extension"
mkdir -p "$lib" "$ext" "$root/DEBIAN" "$root/usr/share/doc/$name"
install -m 644 "$tree$("$pg_config" --pkglibdir)/alimentador.so" "$lib/"
install -m 644 "$tree$("$pg_config" --sharedir)"/extension/alimentador* "$ext/"
install -m 644 LICENSE "$root/usr/share/doc/$name/copyright"
cat > "$root/DEBIAN/control" <<CONTROL
Package: $name
Version: $version
Architecture: $arch
Maintainer: alimentador maintainers <alimentador@localhost>
Depends: postgresql-$major, libc6 (>= 2.36)
Section: database
Priority: optional
Installed-Size: $(du -sk "$root/usr" | cut -f1)
Homepage: https://pgxn.org/dist/alimentador/
Description: live Brazilian hospital OLTP database for CDC testing (PostgreSQL $major)
 alimentador is a PostgreSQL extension that turns a database into a realistic,
 continuously changing Brazilian hospital OLTP system (schema, pt_BR seed and
 background stream workers), for testing change-data-capture pipelines.
 Add alimentador to shared_preload_libraries for the stream workers.
CONTROL
mkdir -p "$out"
deb="$out/${name}_${version}_$arch.deb"
dpkg-deb --root-owner-group -Z"${DEB_COMPRESSION:-xz}" --build "$root" "$deb" >/dev/null
echo "alimentador[package-deb]: $deb"
