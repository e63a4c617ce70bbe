# shellcheck shell=bash
# Packages of the extension (`cargo pgrx package`) and private copies of a PostgreSQL installation to
# install them into, for the tests that need a build other than the one installed (an older release,
# an upgrade, another major beside it) without touching the installation the other tests use.
# Source it after scripts/lib/pg.sh.

# package_build SRC PG_CONFIG OUT: `cargo pgrx package` of the source tree SRC for that installation,
# laid out under OUT (the installation's absolute paths below OUT). Debug unless PACKAGE_PROFILE=release.
# The repository's tree builds in its target directory (CARGO_TARGET_DIR), so an already built tree
# costs seconds. Another tree (a release's) builds in target/other-sources, a hard-linked copy of it
# whose libraries of the extension itself are removed first: the compiled dependencies are shared,
# and the library (target/<profile>/deps/libalimentador.so, one name for every version) is not
# overwritten under the repository's own build.
# PACKAGE_BUILD_DIR=NAME builds the repository's tree in such a copy, target/NAME, too: for another
# major than the one the target directory was last built for (the library's one name again).
package_build() {
  local src="$1" pg_config="$2" out="$3" major log profile=(--debug) dir=debug
  local target="${CARGO_TARGET_DIR:-$REPO_ROOT/target}" copy="${PACKAGE_BUILD_DIR:-}"
  major="$(pg_major_of "$pg_config")"
  [ "${PACKAGE_PROFILE:-debug}" = release ] && { profile=(); dir=release; }
  [ "$(cd "$src" && pwd -P)" = "$(cd "$REPO_ROOT" && pwd -P)" ] || copy="${copy:-other-sources}"
  if [ -n "$copy" ]; then
    local own="$target"; target="$own/$copy"
    if [ ! -d "$target/$dir" ] && [ -d "$own/$dir" ]; then
      mkdir -p "$target"; cp -al "$own/$dir" "$target/$dir"
    fi
    rm -f "$target/$dir/libalimentador.so" "$target/$dir/deps/libalimentador.so"
  fi
  log="$(mktemp /tmp/alimentador-package-log.XXXXXX)"
  if ! (cd "$src" && CARGO_TARGET_DIR="$target" cargo pgrx package "${profile[@]}" \
        --pg-config "$pg_config" --no-default-features --features "pg$major" --out-dir "$out") >"$log" 2>&1; then
    tail -40 "$log" >&2; rm -f "$log"
    echo "alimentador[package]: cargo pgrx package of $src for PostgreSQL $major failed" >&2
    return 1
  fi
  rm -f "$log"
}

# release_source VERSION DIR: the source of a released VERSION (tests/upgrade/releases names its
# commit), exported from the repository's history into DIR.
release_source() {
  local version="$1" dir="$2" commit
  commit="$(awk -v v="$version" '$1 == v { print $2 }' "$REPO_ROOT/tests/upgrade/releases")"
  [ -n "$commit" ] || { echo "alimentador[package]: release $version is not in tests/upgrade/releases" >&2; return 1; }
  git -C "$REPO_ROOT" cat-file -e "$commit^{commit}" 2>/dev/null ||
    { echo "alimentador[package]: commit $commit of release $version is not in this clone (a shallow clone?)" >&2; return 1; }
  mkdir -p "$dir"
  git -C "$REPO_ROOT" archive "$commit" | tar -x -C "$dir"
}

# pg_copy PG_CONFIG DIR: a private copy of that installation in DIR (relocatable: PostgreSQL finds its
# share and lib directories relative to its bin directory); prints the copy's pg_config. Debian's
# layout (/usr/lib/postgresql/N, /usr/share/postgresql/N) is kept below DIR; a single-prefix one
# (the PyPI wheel's) is copied whole.
pg_copy() {
  local pg_config="$1" dir="$2" bindir prefix sharedir
  bindir="$("$pg_config" --bindir)"; prefix="$(dirname "$bindir")"; sharedir="$("$pg_config" --sharedir)"
  mkdir -p "$dir"
  if [[ "$sharedir" == "$prefix"/* ]]; then
    # The wheel's binaries find their libpq two directories up (RPATH $ORIGIN/../../../X.libs):
    # the prefix keeps its last two path components, the wheel's *.libs are linked beside them.
    local top lib; top="$(dirname "$(dirname "$prefix")")"
    mkdir -p "$dir/${prefix#"$top"/}"
    cp -a "$prefix/." "$dir/${prefix#"$top"/}/"
    for lib in "$top"/*.libs; do [ -d "$lib" ] && ln -s "$lib" "$dir/"; done
    echo "$dir/${prefix#"$top"/}/bin/pg_config"
  else
    # /usr/lib/postgresql/15/bin -> DIR/lib/postgresql/15, /usr/share/postgresql/15 -> DIR/share/postgresql/15
    local root="${prefix%/lib/postgresql/*}"
    mkdir -p "$dir${prefix#"$root"}" "$dir${sharedir#"$root"}"
    cp -a "$prefix/." "$dir${prefix#"$root"}/"
    cp -a "$sharedir/." "$dir${sharedir#"$root"}/"
    # The copy's pg_config names the headers relative to it too (DIR/include/postgresql/15/server):
    # the server's headers, only read when building against the copy, are linked, not copied.
    local includedir; includedir="$("$pg_config" --includedir-server)"
    mkdir -p "$(dirname "$dir${includedir#"$root"}")"
    [ -e "$dir${includedir#"$root"}" ] || ln -s "$includedir" "$dir${includedir#"$root"}"
    echo "$dir${bindir#"$root"}/pg_config"
  fi
  chmod -R a+rX "$dir"
}

# package_install OUT FROM_PG_CONFIG TO_PG_CONFIG: installs a package laid out for one installation
# (FROM) into another (TO, e.g. a private copy): the library into its pkglibdir, the control file and
# the scripts into its extension directory.
package_install() {
  local out="$1" from="$2" to="$3"
  install -m 755 "$out$("$from" --pkglibdir)/alimentador.so" "$("$to" --pkglibdir)/alimentador.so"
  install -m 644 "$out$("$from" --sharedir)"/extension/alimentador* "$("$to" --sharedir)/extension/"
}
