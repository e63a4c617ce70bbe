# shellcheck shell=bash
# ensure_venv DIR REQUIREMENTS [CHECK...]: creates or refreshes the Python venv DIR from the
# requirements file (a no-op when the venv was made from the same file, by its sha256), runs CHECK
# (arguments to the venv's python) after an install, and prints DIR on
# stdout; pip's output goes to standard error. Used by each test suite's setup_venv.sh.
ensure_venv() {
  local venv="$1" req="$2" stamp want
  shift 2
  stamp="$venv/.requirements.sha256"
  want=$(sha256sum "$req" | cut -d' ' -f1)
  if [[ ! -x $venv/bin/python || ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
    echo "setup_venv: installing $req into $venv" >&2
    "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$req" >&2
    if [ "$#" -gt 0 ]; then "$venv/bin/python" "$@" >&2; fi
    echo "$want" >"$stamp"
  fi
  echo "$venv"
}
