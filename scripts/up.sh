#!/usr/bin/env bash
# Brings up a stack (default: the embedded `local` stack) and shows it running.
#   scripts/up.sh [STACK] [extra pulumi up flags...]
source "$(dirname "$0")/lib.sh"
stack="${1:-local}"; shift || true
"$REPO_ROOT/scripts/setup.sh"
source "$CDC_SYNC_CACHE/env"
cd "$REPO_ROOT"
pulumi stack select "$stack" --create --non-interactive >/dev/null
pulumi up --stack "$stack" --yes --non-interactive --skip-preview "$@"
echo
echo "== what runs where"
docker ps --filter "label=io.cdc-sync.stack=$stack" --format 'table {{.Names}}\t{{.Status}}'
echo
echo "== Kafka Connect plugins"
pulumi stack output --stack "$stack" connectPlugins --json | tr -d '[]",' | sed '/^ *$/d'
echo
pulumi stack output --stack "$stack" bootstrapServers | sed 's/^/bootstrap servers: /'
pulumi stack output --stack "$stack" connectRestUrl | sed 's/^/Connect REST API:  /; s/$/ (user cdc-sync: pulumi stack output --show-secrets connectRestAuth)/'
