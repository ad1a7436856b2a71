#!/usr/bin/env bash
# Runs inside the VM lab (scripts/vm/test.sh passes it to run.sh): each node:test file of the VM
# suite in a `node --test` of its own, one after the other in the same boot, its results as TAP in
# RESULTS/<file>.tap and as spec text on stdout. One file that crashes or hangs its runner cannot
# take the others' results with it. Exits 0 only when every file's run exited 0.
# Usage: files.sh NODE RESULTS_DIR [--test-name-pattern=P] FILE.js...
set -uo pipefail
node="$1"; results="$2"; shift 2
pattern=()
case "${1:-}" in --test-name-pattern=*) pattern=("$1"); shift ;; esac
rc=0
for f in "$@"; do
  name="$(basename "$f" .js)"
  printf '\n== %s (guest uptime %ss)\n' "$name" "$(cut -d' ' -f1 /proc/uptime)"
  "$node" --test "${pattern[@]}" --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$results/$name.tap" "$f"
  r=$?
  [ "$r" -eq 0 ] || { rc=1; printf '== %s: node --test exited %s\n' "$name" "$r"; }
done
# What the kernel said about memory pressure or hung tasks during the run (quiet on the console).
warnings="$(dmesg 2>/dev/null | grep -Ei 'out of memory|oom-kill|killed process|hung task|blocked for more than' || true)"
if [ -n "$warnings" ]; then
  printf '== kernel warnings (boot of %s):\n%s\n' "$*" "$warnings" | tee -a "$results/kernel-warnings.txt"
fi
exit "$rc"
