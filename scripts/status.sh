#!/usr/bin/env bash
# What a deployed stack's pipelines are doing now, asked of the running parts: per pipeline and direction, each
# connector's and task's state and the worker running it, the sink's consumer lag, and for two-way pairs the
# slot lag and the last canary. A sink that has records to read but commits none for --stall seconds (default 15;
# 0 skips the wait) is STALLED: it retries a write its database refuses, which Connect never reports as FAILED.
# Exits 2 when a connector or task is not RUNNING or a sink is stalled (for cron or a monitor).
#   scripts/status.sh [STACK] [--html FILE] [--stall SECONDS]
# The two-way servers' administrator password (slot lag) is read from the stack-run PostgreSQL container through
# the engine at DOCKER_HOST; for an adopted server, export PGPASSWORD.
source "$(dirname "$0")/lib.sh"
stack="local"
html=""
stall=15
while [ $# -gt 0 ]; do
  case "$1" in
    --html) html="${2:?--html needs a file}"; shift 2 ;;
    --stall) stall="${2:?--stall needs a number of seconds}"; shift 2
             [[ "$stall" =~ ^[0-9]+$ ]] || die "--stall: expected a whole number of seconds, got '$stall'" ;;
    -*) die "usage: scripts/status.sh [STACK] [--html FILE] [--stall SECONDS]" ;;
    *) stack="$1"; shift ;;
  esac
done
source "$CDC_SYNC_CACHE/env" 2>/dev/null || die "run scripts/setup.sh (or scripts/up.sh) first"
cd "$REPO_ROOT"
outputs="$(mktemp)"
trap 'rm -f "$outputs"' EXIT
# With the secrets: the Connect REST API's credentials are one (the file is the user's own, 0600, removed on exit).
(umask 077 && pulumi stack output --stack "$stack" --json --show-secrets >"$outputs" 2>/dev/null) || die "no outputs for stack $stack: is it up?"
if [ -z "${PGPASSWORD:-}" ] && out="$(twoway_output "$stack")"; then
  container="cdc-sync-$stack-$(node -e 'console.log(JSON.parse(process.argv[1]).server)' "$out")"
  PGPASSWORD="$(docker exec "$container" cat /etc/cdc-sync/secrets/postgres-password 2>/dev/null)" && export PGPASSWORD
fi
CDC_SYNC_STALL_SECONDS="$stall" exec npx ts-node scripts/status.ts "$outputs" ${html:+"$html"}
