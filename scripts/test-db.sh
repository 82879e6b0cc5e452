#!/usr/bin/env bash
# The database-side tests of two-way PostgreSQL sync: a throwaway PostgreSQL 17 container, the setup
# applied by the real provider, the connectors simulated (no Kafka). About a minute once the image exists.
#   CDC_SYNC_TEST_PG_CONTAINER / CDC_SYNC_TEST_PG_ADDRESS override the container name and loopback address.
source "$(dirname "$0")/lib.sh"
"$REPO_ROOT/scripts/setup.sh"
source "$CDC_SYNC_CACHE/env"
cd "$REPO_ROOT"
exec npx mocha 'tests/db/**/*.test.ts'
