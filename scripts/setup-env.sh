#!/usr/bin/env bash
# Create or reuse the project's virtual environment in .venv and install the pinned
# dependencies. Idempotent: a second call with the same lock file does nothing.
#   scripts/setup-env.sh            python packages only
#   scripts/setup-env.sh --browser  also Debian's chromium (for the book's browser test) and
#                                   slurm-wlm + munge (a one-node SLURM for the cluster executor's tests)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=.venv
LOCK=requirements/lock.txt

if [ "${1:-}" = "--browser" ]; then
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v slurmctld >/dev/null 2>&1 || missing+=(slurm-wlm)
  command -v munged >/dev/null 2>&1 || missing+=(munge)
  if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
    echo "[setup] installing Debian's ${missing[*]} (headless browser for the book test; one-node SLURM for the cluster tests)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif [ ${#missing[@]} -gt 0 ]; then
    echo "[setup] ${missing[*]} missing and we are not root: the browser or SLURM tests will be skipped" >&2
  fi
fi

stamp="$VENV/.hashlib-lock.sha256"
want=$(cat "$LOCK" pyproject.toml | sha256sum | cut -d' ' -f1)
if [ -x "$VENV/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "[setup] creating $VENV and installing pinned packages from $LOCK"
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
"$VENV/bin/python" -m pip install -q -r "$LOCK" 2> >(grep -v "is ignored: it is neither" >&2)
"$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation -e . 2> >(grep -v "is ignored: it is neither" >&2)
"$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 >/dev/null
echo "$want" > "$stamp"
echo "[setup] done: $("$VENV/bin/python" -c 'import torch, sys; print("python", sys.version.split()[0], "torch", torch.__version__)')"
