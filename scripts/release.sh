#!/usr/bin/env bash
# `npm run release`: the Terraform/OpenTofu provider as the registries ship it, from `npm run build`.
# Writes release/ (docs/install.md):
#   terraform-provider-tessera_<v>_linux_amd64.zip   launcher + the project's Node 22 binary + bundle
#   tessera_<v>_linux_amd64                          the single executable: composer, agent,
#                                                    enclosure service, CSI driver and CLI
#   terraform-provider-tessera_<v>_SHA256SUMS        sha256 of the zip and of the executable
#   terraform-provider-tessera_<v>_SHA256SUMS.sig    detached gpg signature (throwaway release key)
#   tessera-release-key.asc                          the public key that verifies it
#   npm/tessera-pulumi-<v>.tgz, npm/tessera-cdktf-<v>.tgz   the npm packages (npm pack)
#   pulumi-resource-tessera-v<v>-linux-amd64.tar.gz  the native Pulumi provider plugin (launcher +
#                                                    Node 22 + bundle), for `pulumi plugin install
#                                                    resource tessera <v> --file <tarball>`
#   mirror/<host>/tessera/tessera/<zip>              a filesystem mirror (packed layout) for
#                                                    provider_installation { filesystem_mirror }
# TESSERA_PROVIDER_HOST picks <host> (default registry.opentofu.org, what source = "tessera/tessera"
# means to OpenTofu). The signing key is generated into a temporary GNUPGHOME and discarded: a
# real release signs with the project's key instead (TESSERA_GNUPGHOME + TESSERA_SIGNING_KEY).
set -euo pipefail
cd "$(dirname "$0")/.."
version="$(node_modules/.bin/node -p 'require("./package.json").version')"
host="${TESSERA_PROVIDER_HOST:-registry.opentofu.org}"
name="terraform-provider-tessera"
zipname="${name}_${version}_linux_amd64.zip"
out="$PWD/release"

node_modules/.bin/node scripts/build.mjs >/dev/null
rm -rf "$out"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
# A provider plugin directory: LAUNCHER (the file the engine runs), the project's Node 22 binary
# and BUNDLE as provider.js. NODE_COMPILE_CACHE keeps V8's compiled bundle between starts: the
# handshake (bench/handshake.ts).
stage_plugin() { # DIR LAUNCHER BUNDLE
  mkdir -p "$1"
  cat >"$1/$2" <<'LAUNCH'
#!/bin/sh
here="$(dirname "$(readlink -f "$0")")"
NODE_COMPILE_CACHE="${NODE_COMPILE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tessera/node-compile-cache}"
export NODE_COMPILE_CACHE
exec "$here/node" "$here/provider.js" "$@"
LAUNCH
  chmod 755 "$1/$2"
  cp "$(readlink -f node_modules/.bin/node)" "$1/node"
  cp "$3" "$1/provider.js"
}

# tofu runs the file whose name begins terraform-provider-tessera.
pkg="$stage/pkg"
stage_plugin "$pkg" "${name}_v${version}" dist/bin/terraform-provider-tessera.js
cp -r dist/bin/proto "$pkg/proto"
cp LICENSE "$pkg/" 2>/dev/null || true
mkdir -p "$out"
(cd "$pkg" && zip -q -r -X "$out/$zipname" .)
exe="tessera_${version}_linux_amd64"
cp dist/sea/tessera "$out/$exe"
(cd "$out" && sha256sum "$zipname" "$exe" >"${name}_${version}_SHA256SUMS")

if [ -n "${TESSERA_GNUPGHOME:-}" ]; then
  export GNUPGHOME="$TESSERA_GNUPGHOME"
  key="${TESSERA_SIGNING_KEY:?TESSERA_SIGNING_KEY: the key id to sign with}"
else
  export GNUPGHOME="$stage/gnupg"
  mkdir -m 700 "$GNUPGHOME"
  key="tessera-release@localhost"
  gpg --batch --quiet --passphrase '' --quick-generate-key "Tessera release (throwaway) <$key>" ed25519 sign 1d
fi
gpg --batch --quiet --yes --local-user "$key" --output "$out/${name}_${version}_SHA256SUMS.sig" --detach-sign "$out/${name}_${version}_SHA256SUMS"
gpg --batch --quiet --armor --export "$key" >"$out/tessera-release-key.asc"
gpg --batch --quiet --verify "$out/${name}_${version}_SHA256SUMS.sig" "$out/${name}_${version}_SHA256SUMS" 2>/dev/null

mirror="$out/mirror/$host/tessera/tessera"
mkdir -p "$mirror"
cp "$out/$zipname" "$mirror/"

# The native Pulumi provider plugin (docs/pulumi.md "The native provider"): pulumi runs the
# executable named pulumi-resource-tessera in the plugin's dir.
plugin="$stage/pulumi-plugin"
stage_plugin "$plugin" pulumi-resource-tessera dist/bin/pulumi-resource-tessera.js
tar -C "$plugin" -czf "$out/pulumi-resource-tessera-v${version}-linux-amd64.tar.gz" .

# The npm packages, as `npm install ./<tarball>` takes them.
mkdir -p "$out/npm"
for p in pulumi cdktf; do
  npm pack --silent --pack-destination "$out/npm" "dist/packages/$p" >/dev/null
done
printf '{"version":"%s","host":"%s","zip":"%s","executable":"%s","mirror":"%s"}\n' "$version" "$host" "$zipname" "$exe" "$out/mirror"
