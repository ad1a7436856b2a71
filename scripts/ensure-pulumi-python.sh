#!/usr/bin/env bash
# Installs the pinned Pulumi Python SDK (the `pulumi` package from PyPI) into a venv cached
# outside the repo, for Python programs on the native provider (test/e2e/pulumi-native.test.ts,
# docs/pulumi.md). Safe to run again. Prints the venv dir on stdout (last line).
#
#   TESSERA_PULUMI_PYTHON_VENV  venv dir (default: $HOME/.cache/tessera/pulumi-python-venv)
set -euo pipefail

PULUMI_PYTHON_VERSION=3.272.0
# wheel: installing a generated SDK without build isolation (offline) needs bdist_wheel.
WHEEL_VERSION=0.48.0
# parver: what the generated SDKs (pulumi-gen-sdk python) require besides pulumi and semver.
PARVER_VERSION=1.0.1.post0

VENV=${TESSERA_PULUMI_PYTHON_VENV:-$HOME/.cache/tessera/pulumi-python-venv}
MARKER=$VENV/.tessera-pulumi-version
WANT="pulumi==$PULUMI_PYTHON_VERSION wheel==$WHEEL_VERSION parver==$PARVER_VERSION"
say() { printf 'pulumi-python: %s\n' "$*" >&2; }

if [[ -x $VENV/bin/python && -f $MARKER && $(cat "$MARKER") == "$WANT" ]]; then
  say "ok: pulumi $PULUMI_PYTHON_VERSION in $VENV"
  echo "$VENV"
  exit 0
fi
command -v python3 >/dev/null || { say "error: python3 is missing"; exit 1; }
mkdir -p "$(dirname "$VENV")"
exec 9>"$VENV.lock"
flock 9
python3 -m venv "$VENV"
# shellcheck disable=SC2086 # pinned requirements
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check $WANT >&2
echo "$WANT" >"$MARKER"
say "installed pulumi $PULUMI_PYTHON_VERSION in $VENV"
echo "$VENV"
