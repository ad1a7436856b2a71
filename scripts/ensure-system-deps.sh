#!/usr/bin/env bash
# Installs the system packages the tests need, only those whose command is missing; safe to run
# again. Debian/Ubuntu (apt). Add a package as "command:package" to SYSTEM_DEPS.
set -euo pipefail

SYSTEM_DEPS=(
  "etcd:etcd-server"   # real etcd for the store tests (single node and 3-member clusters)
  "mkfs.ext4:e2fsprogs"        # agent lab backend: real ext4 on loop devices
  "mkfs.xfs:xfsprogs"          # agent lab backend: real xfs
  "xfs_db:xfsprogs"            # agent: is an xfs left "in progress" by an interrupted mkfs.xfs
  "strace:strace"              # agent kill points inside a tool's writes (test/agent/kill9, bench/chaos/agent-kill)
  "cryptsetup:cryptsetup-bin"  # LUKS2 header operations (format, add key, kill slot) on files
  "losetup:mount"              # loop devices for the lab backend
  "wipefs:util-linux"          # clearing another volume's leftovers
  "blkid:util-linux"
  # The VM lab (scripts/vm/, docs/vm-lab.md): Debian's kernel under qemu TCG and the data-path tools
  "qemu-system-x86_64:qemu-system-x86"
  "busybox:busybox-static"     # the initramfs's only binary (must be the static build)
  "cpio:cpio"
  "dpkg-deb:dpkg"              # unpacks the kernel package
  "depmod:kmod"
  "modprobe:kmod"
  "nvme:nvme-cli"              # NVMe/TCP connect/disconnect with the server's host NQN
  "mdadm:mdadm"                # md RAID1/RAID10
  "iscsiadm:open-iscsi"        # iSCSI discovery and login with the server's initiator IQN
  "ip:iproute2"                # network namespaces and veth pairs inside the guest
  "dmsetup:dmsetup"            # enclosure service: dm-linear maps of SSD slices (test/vm/enclosure.test.ts)
  "systemd-analyze:systemd"    # deploy/systemd units checked by `systemd-analyze verify` (test/deploy)
  # `npm run release` and test/e2e/install.test.ts (docs/install.md)
  "zip:zip"                    # the provider zip
  "unzip:unzip"
  "gpg:gnupg"                  # the detached signature of SHA256SUMS
  # The dashboard's browser tests and bench:ui (test/e2e/ui.test.ts, docs/ui.md): Debian's build,
  # driven by playwright-core (its own browser download cannot run here)
  "chromium:chromium"
)

missing=()
for entry in "${SYSTEM_DEPS[@]}"; do
  cmd="${entry%%:*}"
  pkg="${entry#*:}"
  if command -v "$cmd" >/dev/null 2>&1; then
    echo "ok: $cmd ($(command -v "$cmd"))"
  else
    echo "missing: $cmd -> will install $pkg"
    missing+=("$pkg")
  fi
done

# promtool (test/deploy) is unpacked from Debian's prometheus package, not installed as a service.
"$(dirname "${BASH_SOURCE[0]}")/ensure-promtool.sh"

if [ "${#missing[@]}" -eq 0 ]; then
  echo "system dependencies: all present"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: apt-get not found; install these packages by hand: ${missing[*]}" >&2
  exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "error: not root and no sudo; install these packages by hand: ${missing[*]}" >&2
    exit 1
  fi
fi

# Wait for another apt/dpkg run (e.g. unattended upgrades) instead of failing on its lock.
APT_OPTS=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
export DEBIAN_FRONTEND=noninteractive

"${SUDO[@]}" apt-get "${APT_OPTS[@]}" update -q
"${SUDO[@]}" apt-get "${APT_OPTS[@]}" install -y -q --no-install-recommends "${missing[@]}"

for entry in "${SYSTEM_DEPS[@]}"; do
  cmd="${entry%%:*}"
  if ! command -v "$cmd" >/dev/null 2>&1; then
    echo "error: $cmd still missing after installing ${entry#*:}" >&2
    exit 1
  fi
done
echo "system dependencies: installed ${missing[*]}"
