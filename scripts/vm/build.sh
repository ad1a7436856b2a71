#!/usr/bin/env bash
# Builds what the VM lab needs, outside the repo, and prints three lines: the kernel image, the
# initramfs and the modules directory (the tree bound at /lib/modules inside the guest). Each
# piece is cached under ${TESSERA_VM_CACHE:-~/.cache/tessera/vm}, keyed by the kernel's ABI name
# and Debian package version (the initramfs also by its inputs), and rebuilt only when missing.
# Progress goes to stderr. See docs/vm-lab.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${TESSERA_VM_CACHE:-$HOME/.cache/tessera/vm}"
mkdir -p "$cache"
log() { printf 'vm build: %s\n' "$*" >&2; }
die() { printf 'vm build: error: %s\n' "$*" >&2; exit 1; }

for cmd in apt-cache apt-get dpkg-deb depmod modprobe cpio gzip sha256sum; do
  command -v "$cmd" >/dev/null 2>&1 || die "$cmd is missing (run scripts/ensure-system-deps.sh)"
done
busybox="$(command -v busybox || true)"
[ -n "$busybox" ] || die "busybox is missing (package busybox-static; run scripts/ensure-system-deps.sh)"
# The initramfs has no libc: only the static build runs there.
case "$(LC_ALL=C ldd "$busybox" 2>&1 || true)" in *"not a dynamic executable"*) ;; *) die "$busybox is dynamically linked: install busybox-static" ;; esac

# The kernel package: Debian's current amd64 kernel (linux-image-amd64 depends on exactly one
# linux-image-<abi>-amd64) unless TESSERA_VM_KERNEL_PKG names one. Asking apt takes seconds, so the
# answer is remembered in $cache/current for a day (TESSERA_VM_REFRESH=1 asks again).
kdir=""
if [ -z "${TESSERA_VM_KERNEL_PKG:-}" ] && [ -z "${TESSERA_VM_REFRESH:-}" ] && [ -n "$(find "$cache/current" -mmin -1440 2>/dev/null)" ]; then
  kdir="$cache/$(cat "$cache/current")"
  [ -e "$kdir/.complete" ] || kdir=""
fi
if [ -z "$kdir" ]; then
  pkg="${TESSERA_VM_KERNEL_PKG:-}"
  if [ -z "$pkg" ]; then
    pkg="$(apt-cache depends linux-image-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')"
  fi
  [ -n "$pkg" ] || die "cannot find the Debian kernel package (apt-cache depends linux-image-amd64 named none; run apt-get update or set TESSERA_VM_KERNEL_PKG)"
  pver="$(apt-cache policy "$pkg" 2>/dev/null | awk '$1 == "Candidate:" { print $2; exit }')"
  [ -n "$pver" ] && [ "$pver" != "(none)" ] || die "apt knows no candidate version of $pkg"
  kname="${pkg#linux-image-}_${pver//[^A-Za-z0-9.+-]/_}"
  kdir="$cache/$kname"
  if [ ! -e "$kdir/.complete" ]; then
    log "fetching $pkg $pver into $kdir"
    tmp="$(mktemp -d "$cache/.fetch.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && apt-get download -q "$pkg=$pver" >&2) || die "apt-get download $pkg=$pver failed"
    mkdir -p "$tmp/root"
    dpkg-deb -x "$tmp"/*.deb "$tmp/root" || die "dpkg-deb -x failed"
    rm -f "$tmp"/*.deb
    printf '%s\n' "${pkg#linux-image-}" > "$tmp/kver"
    depmod -b "$tmp/root" "${pkg#linux-image-}" || die "depmod failed"
    touch "$tmp/.complete"
    rm -rf "$kdir"
    mv "$tmp" "$kdir"
    trap - EXIT
  fi
  printf '%s\n' "$kname" > "$cache/current.tmp" && mv "$cache/current.tmp" "$cache/current"
fi
kver="$(cat "$kdir/kver")"
pver="${kdir##*_}"
[ -f "$kdir/root/boot/vmlinuz-$kver" ] || die "$kdir has no boot/vmlinuz-$kver"
modroot="$kdir/root"
moddir="$modroot/lib/modules/$kver"

# The initramfs: static busybox, /init, and the modules that mount the host's root over 9p and
# put an overlay on it, in the order modprobe resolves their dependencies.
boot_modules=(virtio_pci 9pnet_virtio 9p overlay)
order="$(modprobe --show-depends -d "$modroot" -S "$kver" -a "${boot_modules[@]}" | awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++')"
key="$( { sha256sum "$here/init" "$busybox" | awk '{print $1}'; echo "$kver $pver"; echo "$order"; } | sha256sum | cut -c1-16)"
initrd="$kdir/initramfs-$key.cpio.gz"
if [ ! -s "$initrd" ]; then
  log "building the initramfs ($initrd)"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work"/{bin,dev,proc,sys,mnt,modules}
  cp "$busybox" "$work/bin/busybox"
  cp "$here/init" "$work/init"
  chmod 755 "$work/init" "$work/bin/busybox"
  : > "$work/modules/order"
  while IFS= read -r ko; do
    [ -n "$ko" ] || continue
    cp "$ko" "$work/modules/"
    basename "$ko" >> "$work/modules/order"
  done <<< "$order"
  (cd "$work" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) > "$initrd.tmp"
  mv "$initrd.tmp" "$initrd"
  rm -rf "$work"
  trap - EXIT
  # Older initramfs builds of this kernel are dead weight.
  find "$kdir" -maxdepth 1 -name 'initramfs-*.cpio.gz' ! -name "initramfs-$key.cpio.gz" -delete
fi

printf '%s\n' "$modroot/boot/vmlinuz-$kver" "$initrd" "$moddir"
