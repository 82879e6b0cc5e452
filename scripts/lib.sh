# Shared helpers for the bootstrap scripts. Source it; do not run it.
# Everything heavy is cached under CDC_SYNC_CACHE (outside the work tree) so a second run is fast.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CDC_SYNC_CACHE="${CDC_SYNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdc-sync}"
TOOLS_BIN="$CDC_SYNC_CACHE/bin"
mkdir -p "$TOOLS_BIN"

log() { printf '[cdc-sync %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# with_progress WHAT LOG CMD...: runs CMD with its output in LOG, saying on stderr every CDC_SYNC_PROGRESS_SECONDS
# (60) that WHAT is still under way, so a cold build that is silent for minutes does not look hung. Returns CMD's status.
with_progress() {
  local what="$1" out="$2" every="${CDC_SYNC_PROGRESS_SECONDS:-60}" started=$SECONDS next job
  shift 2
  "$@" >"$out" 2>&1 &
  job=$!
  next=$((SECONDS + every))
  while kill -0 "$job" 2>/dev/null; do
    sleep 1
    if [ "$SECONDS" -ge "$next" ] && kill -0 "$job" 2>/dev/null; then
      log "still $what: $((SECONDS - started)) s so far"
      next=$((SECONDS + every))
    fi
  done
  wait "$job"
}

# pin NAME: one value from versions.json, the single place versions are pinned.
pin() {
  sed -n "s/^ *\"$1\": *\"\\([^\"]*\\)\".*/\\1/p" "$REPO_ROOT/versions.json" | head -n1 | grep . \
    || die "versions.json has no pin named '$1'"
}

# twoway_output STACK: the stack output of its first two-way pair (`pipelines.<name>`, kind twoWayPostgres), as JSON.
twoway_output() {
  pulumi stack output --stack "$1" pipelines --json 2>/dev/null | node -e '
    const out = JSON.parse(require("fs").readFileSync(0, "utf8") || "{}");
    const pair = Object.values(out).find((p) => p.kind === "twoWayPostgres");
    if (!pair) process.exit(1);
    console.log(JSON.stringify(pair));'
}
