#!/usr/bin/env bash
# Benchmarks the foundation on this machine and prints a Markdown report (docs/benchmarks.md keeps one):
#   cold `pulumi up` to healthy (images cached), no-op `pulumi up`, `pulumi preview`, `pulumi destroy`,
#   and the resident memory of the whole local topology.
#   --cold-bootstrap  also times scripts/setup.sh from empty caches (Go, npm, Node, Pulumi): ~15 min.
# Uses the `local` stack in a throwaway state backend; refuses to run while a `local` stack is up.
source "$(dirname "$0")/lib.sh"
runs="${BENCH_RUNS:-3}"
seconds_since() { awk -v s="$1" -v e="$(date +%s%N)" 'BEGIN {printf "%.1f", (e - s) / 1e9}'; }

cold_bootstrap=""
if [ "${1:-}" = "--cold-bootstrap" ]; then
  tmp_cache="$(mktemp -d)"
  log "cold bootstrap into empty caches under $tmp_cache"
  start=$(date +%s%N)
  CDC_SYNC_CACHE="$tmp_cache/cdc" GOMODCACHE="$tmp_cache/gomod" GOCACHE="$tmp_cache/gobuild" \
    npm_config_cache="$tmp_cache/npm" "$REPO_ROOT/scripts/setup.sh" >"$tmp_cache/setup.log" 2>&1 \
    || die "cold setup failed; see $tmp_cache/setup.log"
  cold_bootstrap=$(seconds_since "$start")
  chmod -R u+w "$tmp_cache" && rm -rf "$tmp_cache"
fi

"$REPO_ROOT/scripts/setup.sh" >/dev/null 2>&1
source "$CDC_SYNC_CACHE/env"
cd "$REPO_ROOT"
if [ -n "$(docker ps -q --filter label=io.cdc-sync.stack=local)" ]; then
  die "a local stack is running; scripts/down.sh first"
fi
backend="$(mktemp -d)"
export PULUMI_BACKEND_URL="file://$backend"
pulumi stack init local --non-interactive >/dev/null

# timed LABEL CMD...: runs CMD, appends its wall time in seconds to the list named LABEL.
declare -A times
timed() {
  local label=$1; shift
  local start; start=$(date +%s%N)
  "$@" >>"$backend/bench.log" 2>&1 || die "$label failed; see $backend/bench.log"
  times[$label]="${times[$label]:-} $(seconds_since "$start")"
}
median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{a[NR]=$1} END {printf "%.1f", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
pu() { pulumi "$@" --stack local --non-interactive; }

timed build pu up --yes --skip-preview          # warms the image (a cached build when nothing changed)
timed destroy pu destroy --yes
for _ in $(seq "$runs"); do
  timed cold_up pu up --yes --skip-preview
  timed noop_up pu up --yes --skip-preview
  timed preview pu preview
  # Names from `docker ps`: podman's stats output mangles the name column.
  mem=$(for c in $(docker ps --format '{{.Names}}' --filter label=io.cdc-sync.stack=local | sort); do
    echo "$c $(docker stats --no-stream --format '{{.MemUsage}}' "$c" | cut -d/ -f1 | tr -d ' ')"
  done)
  timed destroy pu destroy --yes
done

to_mib() { awk '{v=$1; u=$1; gsub(/[0-9.]/,"",u); gsub(/[^0-9.]/,"",v); if (u ~ /GiB|GB/) v*=1024; else if (u ~ /KiB|kB/) v/=1024; printf "%.0f", v}'; }
cat <<REPORT
### $(date -u +%Y-%m-%d) — $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)
Engine: $(docker version --format '{{.Server.Version}}' 2>/dev/null | sed 's/^/Docker API server /'); Pulumi $(pulumi version); medians of $runs runs.

| measurement | seconds | target |
|---|---|---|
| cold \`pulumi up\` to healthy (images cached) | $(echo "${times[cold_up]}" | median) | < 180 |
| no-op \`pulumi up\` | $(echo "${times[noop_up]}" | median) | < 15 |
| \`pulumi preview\` (no changes) | $(echo "${times[preview]}" | median) | < 10 |
| \`pulumi destroy\` | $(echo "${times[destroy]}" | median) | — |
${cold_bootstrap:+| cold bootstrap (\`scripts/setup.sh\`, empty caches) | $(printf '%.0f' "$cold_bootstrap") | — |}

Resident memory of the running topology (last run):

| container | memory |
|---|---|
$(echo "$mem" | awk '{print "| " $1 " | " $2 " |"}')
| **total** | **$(echo "$mem" | awk '{print $2}' | while read -r m; do echo "$m" | to_mib; echo; done | awk '{s+=$1} END {print s}') MiB** |
REPORT
rm -rf "$backend"
