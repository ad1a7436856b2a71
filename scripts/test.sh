#!/usr/bin/env bash
# `npm test`: installs the system packages the tests need (scripts/ensure-system-deps.sh), then
# type-checks and runs jest with the given arguments. The tests run as root because the lab
# backend's tests attach loop devices and mount filesystems (docs/agent.md): a user with sudo is
# asked once and the same command continues under sudo; root runs it directly.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "npm test: the tests need root (loop devices, mounts): run as root or install sudo" >&2; exit 1; }
  exec sudo --preserve-env=HOME,CI env "PATH=$PATH" bash "$0" "$@"
fi
bash scripts/ensure-system-deps.sh >/dev/null
tsc -p tsconfig.json --noEmit
tsc -p provider/ui/tsconfig.json   # the dashboard: DOM types, TSX (docs/ui.md)
exec jest "$@"
