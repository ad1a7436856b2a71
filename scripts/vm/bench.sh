#!/usr/bin/env bash
# `npm run bench:vm-stage`: bundles bench/vm-stage.ts with esbuild and runs it inside the VM lab
# (scripts/vm/run.sh, docs/vm-lab.md), building the kernel and initramfs when they are missing.
# Its JSON goes to stdout; the exit code is the benchmark's (1: an overhead over the floor).
set -uo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d "${TMPDIR:-/tmp}/tessera-vm-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export NO_COLOR=1
node_bin="$(node -e 'process.stdout.write(process.execPath)')"
node_modules/.bin/esbuild bench/vm-stage.ts --bundle --platform=node --target=node22 --format=cjs \
  --external:better-sqlite3 --external:etcd3 --outfile="$work/vm-stage.js" --log-level=warning || { echo "bench:vm-stage: bundling failed" >&2; exit 1; }
NODE_PATH="$PWD/node_modules" bash scripts/vm/run.sh --timeout "${TESSERA_VM_TIMEOUT:-900}" -- "$node_bin" "$work/vm-stage.js"
