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
# TESSERA_VM_KEEP_WORK=1 keeps the bundles, the TAP file and the daemons' logs (docs/vm-lab.md).
if [ -n "${TESSERA_VM_KEEP_WORK:-}" ]; then echo "test:vm: keeping $work" >&2; else trap 'rm -rf "$work"' EXIT; fi
mkdir -p "$work/bundle" "$work/results"
# The guest's stdout is a serial line, a terminal to node: plain text in logs.
export NO_COLOR=1
node_bin="$(node -e 'process.stdout.write(process.execPath)')"

report() {
  local passed="$1" failed="$2" crashed="$3"
  [ -z "$json_out" ] || printf '{"numPassedTests":%s,"numFailedTests":%s,"numRuntimeErrorTestSuites":%s}\n' "$passed" "$failed" "$crashed" > "$json_out"
}

# The suite's files: node:test files, each run by `node --test` in a VM boot of its own
# (scripts/vm/files.sh inside scripts/vm/run.sh), one after the other. better-sqlite3 (a native
# addon) and etcd3 (reads its .proto files next to itself) stay out of the bundles and are found
# through NODE_PATH. cli.js is the tessera CLI for the real processes of e2e.test.ts; its
# provider/cli/main.ts must not run as an entry point of its own there (require.main).
# TESSERA_VM_FILES (e.g. "e2e.test"): run only these files of the suite, a development aid.
read -r -a suites <<< "${TESSERA_VM_FILES:-suite enclosure.test e2e.test}"
for s in "${suites[@]}"; do
  case "$s" in suite|enclosure.test|e2e.test) ;; *) echo "test:vm: TESSERA_VM_FILES: '$s' is not one of suite, enclosure.test, e2e.test" >&2; exit 2 ;; esac
done
bundle() {
  node_modules/.bin/esbuild "$@" --bundle --platform=node --target=node22 --format=cjs \
    --external:better-sqlite3 --external:etcd3 --outdir="$work/bundle" --log-level=warning
}
if ! bundle test/vm/suite.ts test/vm/enclosure.test.ts test/vm/e2e.test.ts test/vm/agent-child.ts ||
  ! bundle test/vm/cli.ts --define:require.main=undefined; then
  echo "test:vm: bundling the suite failed" >&2
  report 0 0 1
  exit 1
fi

# TESSERA_VM_TEST_PATTERN: run only the tests whose name matches (node --test-name-pattern).
pattern=()
[ -z "${TESSERA_VM_TEST_PATTERN:-}" ] || pattern=(--test-name-pattern="$TESSERA_VM_TEST_PATTERN")
# One boot per file: a file's leftovers (daemons, loop devices, tmpfs space, configfs objects)
# cannot break the next one; a boot costs ~30 s of the run.
rc=0
for s in "${suites[@]}"; do
  # e2e.test's drives are sparse files on the guest's tmpfs (half its memory): its first resync,
  # its rebuild and its drain each fill a 1 GiB mirror half, more than the 2 GiB of a 4 GiB guest
  # (docs/vm-lab.md). Guest memory is only taken from the host as it is touched.
  mem=()
  [ "$s" != e2e.test ] || [ -n "${TESSERA_VM_MEM:-}" ] || mem=(--mem 8192)
  NODE_PATH="$PWD/node_modules" bash scripts/vm/run.sh --timeout "${TESSERA_VM_TIMEOUT:-1800}" --results "$work/results" "${mem[@]}" -- \
    bash scripts/vm/files.sh "$node_bin" "$work/results" "${pattern[@]}" "$work/bundle/$s.js" || rc=1
done

# Each file's TAP ends with its counts; a file without them crashed (counted as one failure).
passed=0; failed=0; crashed=0
for s in "${suites[@]}"; do
  tap="$work/results/$s.tap"
  p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" 2>/dev/null | tail -n 1)
  f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" 2>/dev/null | tail -n 1)
  if [ -z "$p" ] || [ -z "$f" ]; then
    echo "test:vm: $s produced no results (its runner crashed or the VM stopped): counted as a failure" >&2
    crashed=$((crashed + 1))
  else
    passed=$((passed + p)); failed=$((failed + f))
  fi
done
elapsed=$(( $(date +%s) - start ))
echo "test:vm: $passed passed, $failed failed, $crashed without results, ${elapsed}s wall (VM boot included; VM exit $rc)"
report "$passed" "$failed" "$crashed"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$crashed" -eq 0 ]
