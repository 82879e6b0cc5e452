# Shared helpers for the bootstrap scripts. Source it; do not run it.
# Everything heavy is cached under CDC_SYNC_CACHE (outside the work tree) so a second run is fast.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CDC_SYNC_CACHE="${CDC_SYNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdc-sync}"
TOOLS_BIN="$CDC_SYNC_CACHE/bin"
mkdir -p "$TOOLS_BIN"

log() { printf '[cdc-sync %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# pin NAME: one value from versions.json, the single place versions are pinned.
pin() {
  sed -n "s/^ *\"$1\": *\"\\([^\"]*\\)\".*/\\1/p" "$REPO_ROOT/versions.json" | head -n1 | grep . \
    || die "versions.json has no pin named '$1'"
}
