#!/usr/bin/env bash
# `npm run test:vm`: bundles the VM suite (test/vm/) with esbuild — tsx or ts-jest would spend
# tens of seconds compiling inside the emulated guest — and runs it inside the VM lab in one boot
# (scripts/vm/run.sh, docs/vm-lab.md), building the kernel and initramfs when they are missing.
# Fails, never skips, when the VM cannot be built or boot. With `--json --outputFile FILE` it
# also writes jest's counters (numPassedTests, numFailedTests, numRuntimeErrorTestSuites) so
# .ci/run counts it like the other suites.
set -uo pipefail
cd "$(dirname "$0")/../.."
json_out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --json) shift ;;
    --outputFile) json_out="$2"; shift 2 ;;
    --outputFile=*) json_out="${1#*=}"; shift ;;
    *) echo "test:vm: unknown option '$1' (only --json --outputFile FILE)" >&2; exit 2 ;;
  esac
done

start=$(date +%s)
work="$(mktemp -d "${TMPDIR:-/tmp}/tessera-vm-test.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bundle" "$work/results"
# The guest's stdout is a serial line, a terminal to node: plain text in logs.
export NO_COLOR=1
node_bin="$(node -e 'process.stdout.write(process.execPath)')"

report() {
  local passed="$1" failed="$2" crashed="$3"
  [ -z "$json_out" ] || printf '{"numPassedTests":%s,"numFailedTests":%s,"numRuntimeErrorTestSuites":%s}\n' "$passed" "$failed" "$crashed" > "$json_out"
}

if ! node_modules/.bin/esbuild test/vm/suite.ts test/vm/agent-child.ts --bundle --platform=node --target=node22 \
  --format=cjs --outdir="$work/bundle" --log-level=warning; then
  echo "test:vm: bundling the suite failed" >&2
  report 0 0 1
  exit 1
fi

# TESSERA_VM_TEST_PATTERN: run only the tests whose name matches (node --test-name-pattern).
pattern=()
[ -z "${TESSERA_VM_TEST_PATTERN:-}" ] || pattern=(--test-name-pattern="$TESSERA_VM_TEST_PATTERN")
bash scripts/vm/run.sh --timeout "${TESSERA_VM_TIMEOUT:-900}" --results "$work/results" -- \
  "$node_bin" "${pattern[@]}" --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$work/results/tap.txt" "$work/bundle/suite.js"
rc=$?

tap="$work/results/tap.txt"
passed=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" 2>/dev/null | tail -n 1)
failed=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" 2>/dev/null | tail -n 1)
elapsed=$(( $(date +%s) - start ))
if [ -z "$passed" ] || [ -z "$failed" ]; then
  echo "test:vm: the suite produced no results (VM exit $rc after ${elapsed}s): counted as a failure" >&2
  report 0 0 1
  exit 1
fi
echo "test:vm: $passed passed, $failed failed, ${elapsed}s wall (VM boot included)"
report "$passed" "$failed" 0
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
