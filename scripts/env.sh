#!/usr/bin/env bash
# Runs setup (fast when nothing changed) and prints the environment: eval "$(scripts/env.sh)"
source "$(dirname "$0")/lib.sh"
"$REPO_ROOT/scripts/setup.sh" >&2
cat "$CDC_SYNC_CACHE/env"
