#!/usr/bin/env bash
# Destroys a stack (default: `local`): containers, volumes and topics it owns. Images stay as a cache.
#   scripts/down.sh [STACK]
source "$(dirname "$0")/lib.sh"
stack="${1:-local}"
"$REPO_ROOT/scripts/setup.sh"
source "$CDC_SYNC_CACHE/env"
cd "$REPO_ROOT"
pulumi destroy --stack "$stack" --yes --non-interactive
