#!/usr/bin/env bash
# What a deployed stack's pipelines are doing now, asked of the running parts: per pipeline and direction, each
# connector's and task's state and the worker running it, the sink's consumer lag, and for two-way pairs the
# slot lag and the last canary. Exits 2 when a connector or task is not RUNNING (for cron or a monitor).
#   scripts/status.sh [STACK] [--html FILE]
# The two-way servers' administrator password (slot lag) is read from the stack-run PostgreSQL container through
# the engine at DOCKER_HOST; for an adopted server, export PGPASSWORD.
source "$(dirname "$0")/lib.sh"
stack="local"
html=""
while [ $# -gt 0 ]; do
  case "$1" in
    --html) html="${2:?--html needs a file}"; shift 2 ;;
    -*) die "usage: scripts/status.sh [STACK] [--html FILE]" ;;
    *) stack="$1"; shift ;;
  esac
done
source "$CDC_SYNC_CACHE/env" 2>/dev/null || die "run scripts/setup.sh (or scripts/up.sh) first"
cd "$REPO_ROOT"
outputs="$(mktemp)"
trap 'rm -f "$outputs"' EXIT
pulumi stack output --stack "$stack" --json >"$outputs" 2>/dev/null || die "no outputs for stack $stack: is it up?"
if [ -z "${PGPASSWORD:-}" ] && out="$(twoway_output "$stack")"; then
  container="cdc-sync-$stack-$(node -e 'console.log(JSON.parse(process.argv[1]).server)' "$out")"
  PGPASSWORD="$(docker exec "$container" cat /etc/cdc-sync/secrets/postgres-password 2>/dev/null)" && export PGPASSWORD
fi
exec npx ts-node scripts/status.ts "$outputs" ${html:+"$html"}
