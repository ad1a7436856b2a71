#!/bin/bash
# Runs inside the VM, chrooted into the host's system (see scripts/vm/init): loads the modules the
# data path needs (modprobe resolves their dependencies from the lab kernel's modules.dep), mounts
# configfs, brings up loopback, then runs the one command scripts/vm/run.sh wrote to the control
# directory (argv and environment NUL-separated: nothing is parsed by a shell) with stdout on
# ttyS1 and stderr on ttyS2. Exits with the command's exit code. See docs/vm-lab.md.
set -uo pipefail
control="$1"
results="$2"

# Loop devices, NVMe/TCP target and host, md RAID1/RAID10, dm-crypt with AES-XTS, ext4 and xfs,
# the LIO iSCSI target and the open-iscsi initiator's kernel half, veth for network namespaces,
# virtio_rng (entropy from the host: luksFormat and mkfs read random bytes early in the boot).
required=(loop nvmet nvmet-tcp nvme-fabrics nvme-tcp md-mod raid1 raid10 dm-mod dm-crypt xts aes_generic
  algif_skcipher ext4 xfs configfs target_core_mod target_core_iblock iscsi_target_mod iscsi_tcp veth virtio_rng)
# Soft-RoCE and NVMe over RDMA: only with run.sh --rdma (they take seconds to load under TCG);
# rdma_rxe needs the crc32 shash (crc32_generic) or `rdma link add` fails with ENOENT.
optional=(crc32_generic rdma_rxe nvmet-rdma nvme-rdma)
t0=$(cut -d" " -f1 /proc/uptime)
modprobe -a "${required[@]}" || { echo "vm guest: modprobe failed (see above)" >&2; exit 125; }
[ ! -e "$control/rdma" ] || modprobe -a "${optional[@]}" || echo "vm guest: the RDMA modules did not load" >&2
mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config || { echo "vm guest: cannot mount configfs" >&2; exit 125; }
ip link set lo up
mkdir -p /dev/md /dev/mapper /run/lock /run/udev
# udevd, as on any server: the /dev/disk/by-id (NVMe namespace UUID) and /dev/disk/by-path
# (iSCSI target) links the agent waits for, and device-mapper's node management. Arrays are
# assembled by the agent alone, not by udev's incremental assembly (docs/agent.md, "Host setup").
mkdir -p /etc/mdadm
printf 'AUTO -all\n' > /etc/mdadm/mdadm.conf
udevd=/lib/systemd/systemd-udevd
[ -x "$udevd" ] || udevd=/usr/lib/systemd/systemd-udevd
"$udevd" --daemon --resolve-names=never || { echo "vm guest: systemd-udevd did not start" >&2; exit 125; }
udevadm trigger --action=add --subsystem-match=block >/dev/null 2>&1 || true
udevadm settle --timeout=30 || true
echo "vm guest: modules and udevd ready in $(awk -v t0="$t0" "{print \$1 - t0}" /proc/uptime)s (uptime $(cut -d" " -f1 /proc/uptime)s)" > /dev/ttyS0

mapfile -d '' argv < "$control/argv"
mapfile -d '' envs < "$control/env"
cwd="$(cat "$control/cwd")"
[ "${#argv[@]}" -gt 0 ] || { echo "vm guest: no command" >&2; exit 125; }

for tty in /dev/ttyS1 /dev/ttyS2; do stty -F "$tty" raw -echo 2>/dev/null || true; done
cd "$cwd" || { echo "vm guest: cannot cd to $cwd" >&2; exit 125; }
env -i "${envs[@]}" "TESSERA_VM_RESULTS=$results" TESSERA_VM=1 "${argv[@]}" < /dev/null > /dev/ttyS1 2> /dev/ttyS2
