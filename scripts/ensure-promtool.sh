#!/usr/bin/env bash
# promtool (checks deploy/prometheus/ rules in test/deploy/deploy.test.ts): taken from Debian's
# `prometheus` package, unpacked (not installed: no Prometheus service) into the engines cache.
# Safe to run again.
set -euo pipefail
dest="${TESSERA_ENGINES_DIR:-$HOME/.cache/tessera/engines}/bin"
if [ -x "$dest/promtool" ]; then echo "ok: promtool ($dest/promtool)"; exit 0; fi
if command -v promtool >/dev/null 2>&1; then echo "ok: promtool ($(command -v promtool))"; exit 0; fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download prometheus >/dev/null)
dpkg-deb -x "$work"/prometheus_*.deb "$work/x"
mkdir -p "$dest"
install -m 0755 "$work/x/usr/bin/promtool" "$dest/promtool"
"$dest/promtool" --version | head -1
