#!/usr/bin/env bash
# Runs ONE command inside a qemu (TCG) VM on Debian's kernel, with the host's root visible
# read-only (plus a tmpfs overlay), the data-path modules loaded and a writable results directory
# at the same path as on the host. Usage, from anywhere (the working directory is kept):
#   bash scripts/vm/run.sh [--timeout SECONDS] [--results DIR] [--mem MiB] [--rdma] -- COMMAND [ARG...]
# The command's stdout and stderr arrive on this script's stdout and stderr and its exit code is
# this script's exit code. Fails with 125 when the VM cannot boot or be built, 124 on timeout.
# See docs/vm-lab.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
die() { printf 'vm: error: %s\n' "$*" >&2; exit 125; }

timeout_s=600
results=""
mem="${TESSERA_VM_MEM:-4096}"
smp="${TESSERA_VM_SMP:-2}"
rdma=0
while [ $# -gt 0 ]; do
  case "$1" in
    --timeout) [ $# -ge 2 ] || die "--timeout needs a number of seconds"; timeout_s="$2"; shift 2 ;;
    --results) [ $# -ge 2 ] || die "--results needs a directory"; results="$2"; shift 2 ;;
    --rdma) rdma=1; shift ;;
    --mem) [ $# -ge 2 ] || die "--mem needs MiB"; mem="$2"; shift 2 ;;
    --) shift; break ;;
    *) die "unknown option '$1' (usage: run.sh [--timeout S] [--results DIR] [--mem MiB] -- COMMAND...)" ;;
  esac
done
[ $# -gt 0 ] || die "no command given (usage: run.sh [--timeout S] [--results DIR] -- COMMAND...)"
[[ "$timeout_s" =~ ^[1-9][0-9]*$ ]] || die "--timeout: '$timeout_s' is not a positive whole number of seconds"
[[ "$mem" =~ ^[1-9][0-9]*$ ]] || die "--mem: '$mem' is not a positive whole number of MiB"
command -v qemu-system-x86_64 >/dev/null 2>&1 || die "qemu-system-x86_64 is missing (run scripts/ensure-system-deps.sh)"

{ read -r kernel; read -r initrd; read -r moddir; } < <(bash "$here/build.sh") || true
[ -n "${moddir:-}" ] && [ -f "$kernel" ] && [ -f "$initrd" ] || die "building the VM kernel/initramfs failed (see above)"

control="$(mktemp -d "${TMPDIR:-/tmp}/tessera-vm-control.XXXXXX")"
own_results=0
if [ -z "$results" ]; then results="$(mktemp -d "${TMPDIR:-/tmp}/tessera-vm-results.XXXXXX")"; own_results=1; fi
mkdir -p "$results"
results="$(cd "$results" && pwd -P)"
out_pid=""; err_pid=""
cleanup() { if [ -n "$out_pid" ]; then kill "$out_pid" "$err_pid" 2>/dev/null || true; fi; [ -z "${TESSERA_VM_KEEP:-}" ] || cp "$control/console.log" "$TESSERA_VM_KEEP" 2>/dev/null || true; rm -rf "$control"; [ "$own_results" -eq 0 ] || rm -rf "$results"; }
trap cleanup EXIT
# Paths travel on the kernel command line, which splits on whitespace.
for p in "$control" "$results" "$moddir"; do
  [[ "$p" =~ ^/[A-Za-z0-9._/+-]*$ ]] || die "path '$p' has characters the kernel command line cannot carry"
done

cp "$here/guest.sh" "$control/guest.sh"
printf '%s\0' "$@" > "$control/argv"
[ "$rdma" -eq 0 ] || touch "$control/rdma"
pwd -P > "$control/cwd"
# Only a few variables cross into the VM (never the whole environment: it may hold credentials).
: > "$control/env"
while IFS= read -r -d '' kv; do
  name="${kv%%=*}"
  case "$name" in
    PATH|HOME|LANG|LC_ALL|TERM|CI|NODE_OPTIONS|NODE_PATH|TESSERA_*|JEST_*|FORCE_COLOR|NO_COLOR) printf '%s\0' "$kv" >> "$control/env" ;;
  esac
done < <(env -0)

console="$control/console.log"
# The command's output crosses through FIFOs, not by qemu opening /dev/stdout: a file shared with
# this script's caller would be written at qemu's own offset and clobbered by the caller's writes.
mkfifo "$control/stdout" "$control/stderr"
cat "$control/stdout" &
out_pid=$!
cat "$control/stderr" >&2 &
err_pid=$!
# Hold a writer open on each FIFO so the readers see EOF only when this script closes them.
exec 5>"$control/stdout" 6>"$control/stderr"
start=$(date +%s)
set +e
timeout -k 10 "$timeout_s" qemu-system-x86_64 \
  -accel tcg -cpu max -smp "$smp" -m "$mem" \
  -nodefaults -display none -monitor none -no-reboot -nic none \
  -kernel "$kernel" -initrd "$initrd" \
  -append "console=ttyS0 quiet loglevel=3 panic=-1 mitigations=off random.trust_cpu=on tessera.control=$control tessera.results=$results tessera.modules=$moddir" \
  -chardev file,id=con,path="$console" -serial chardev:con \
  -chardev file,id=out,path="$control/stdout" -serial chardev:out \
  -chardev file,id=err,path="$control/stderr" -serial chardev:err \
  -device virtio-rng-pci \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs local,path="$results",mount_tag=results,security_model=none,multidevs=remap \
  </dev/null &
qemu_pid=$!
# Stopped from outside (a test runner's timeout, ^C): take the VM down too.
trap 'kill "$qemu_pid" 2>/dev/null' INT TERM HUP
wait "$qemu_pid"
qrc=$?
while kill -0 "$qemu_pid" 2>/dev/null; do wait "$qemu_pid"; qrc=$?; done
exec 5>&- 6>&-
wait "$out_pid" "$err_pid"
set -e
elapsed=$(( $(date +%s) - start ))

if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
  printf 'vm: timed out after %ss; last console lines:\n' "$timeout_s" >&2
  tail -n 20 "$console" >&2 || true
  exit 124
fi
code="$(tr -d '\r' < "$console" | sed -n 's/^TESSERA_VM_EXIT=\([0-9]*\)$/\1/p' | tail -n 1)"
if [ -z "$code" ]; then
  reason="$(tr -d '\r' < "$console" | sed -n 's/^TESSERA_VM_FAIL: //p' | tail -n 1)"
  printf 'vm: the VM did not boot or did not finish (qemu exit %s after %ss)%s; last console lines:\n' \
    "$qrc" "$elapsed" "${reason:+: $reason}" >&2
  tail -n 30 "$console" >&2 || true
  exit 125
fi
[ -z "${TESSERA_VM_VERBOSE:-}" ] || printf 'vm: command exited %s after %ss (VM wall time)\n' "$code" "$elapsed" >&2
exit "$code"
