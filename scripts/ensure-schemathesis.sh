#!/usr/bin/env bash
# Installs the pinned schemathesis (the independent OpenAPI fuzzer bench/chaos/fuzz.ts drives) into
# a Python venv cached outside the repo, when it is missing or another version; safe to run again
# and from two processes at once. Prints the path of the `st` executable on stdout (last line).
#
#   TESSERA_SCHEMATHESIS_VENV  venv dir (default: $HOME/.cache/tessera/schemathesis-venv)
#
# Runs as root or as a user with sudo: only a missing python3/venv module needs apt (with
# `sudo -n` when not root); the venv itself is the caller's. See docs/api.md (Fuzzing).
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5

VENV=${TESSERA_SCHEMATHESIS_VENV:-$HOME/.cache/tessera/schemathesis-venv}
MARKER=$VENV/.tessera-schemathesis-version
say() { printf 'schemathesis: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

installed() { [[ -x $VENV/bin/st && -f $MARKER && $(cat "$MARKER") == "$SCHEMATHESIS_VERSION" ]]; }

if installed; then
  say "ok: $SCHEMATHESIS_VERSION in $VENV"
  echo "$VENV/bin/st"
  exit 0
fi

# python3 with a working venv module (Debian ships ensurepip separately, in python3-venv).
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || die "python3 with the venv module is missing and apt-get is not available: install python3-venv by hand"
  SUDO=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "python3-venv is missing; not root and no sudo: install it by hand"
    SUDO=(sudo -n)
  fi
  say "installing python3 and python3-venv (apt)"
  export DEBIAN_FRONTEND=noninteractive
  APT_OPTS=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
  "${SUDO[@]}" apt-get "${APT_OPTS[@]}" update -q
  "${SUDO[@]}" apt-get "${APT_OPTS[@]}" install -y -q --no-install-recommends python3 python3-venv
fi
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' || die "schemathesis $SCHEMATHESIS_VERSION needs Python >= 3.9 (have $(python3 --version 2>&1))"

mkdir -p "$(dirname "$VENV")"
# One install at a time per venv (CI and a developer's run may start together).
exec 9>"$VENV.lock"
if ! flock -n 9; then
  say "another install into $VENV is running; waiting for it"
  flock 9
fi
if installed; then
  echo "$VENV/bin/st"
  exit 0
fi

# Build the venv beside the final path and move it in only once pip succeeded: an interrupted
# install never looks installed. Venvs hard-code their path, so it is built at its final name
# after the old one is moved aside.
say "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
OLD=$VENV.old.$$
[[ -e $VENV ]] && mv "$VENV" "$OLD"
cleanup() { rm -rf "$OLD"; }
trap cleanup EXIT
if ! python3 -m venv "$VENV" || ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "schemathesis==$SCHEMATHESIS_VERSION"; then
  rm -rf "$VENV"
  die "pip could not install schemathesis==$SCHEMATHESIS_VERSION"
fi
"$VENV/bin/st" --version >&2 || { rm -rf "$VENV"; die "the installed st does not run"; }
echo "$SCHEMATHESIS_VERSION" >"$MARKER"

# Run with sudo from a user's shell (HOME still the user's): hand the venv back to that user.
if [[ $(id -u) -eq 0 && -n ${SUDO_USER:-} && $SUDO_USER != root ]]; then
  owner=$(stat -c %U "$(dirname "$VENV")")
  if [[ $owner == "$SUDO_USER" ]]; then chown -R "$SUDO_USER": "$VENV" "$VENV.lock"; fi
fi
say "installed $SCHEMATHESIS_VERSION"
echo "$VENV/bin/st"
