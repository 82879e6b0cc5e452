#!/usr/bin/env bash
# The test command: sets the machine up (cached after the first run), then runs the unit tests (mocks),
# the database tests (a real PostgreSQL 17, connectors simulated) and the integration tests (real
# pulumi up of the local stack on the container engine).
#   scripts/test.sh [unit|db|integration]   (default: all three)
source "$(dirname "$0")/lib.sh"
"$REPO_ROOT/scripts/setup.sh"
source "$CDC_SYNC_CACHE/env"
cd "$REPO_ROOT"
# Type-check first: the program itself runs transpile-only (tsconfig "ts-node") to keep previews fast.
npm run -s build
case "${1:-all}" in
  unit) exec npm run -s test:unit ;;
  db) exec npm run -s test:db ;;
  integration) exec npm run -s test:integration ;;
  all) exec npm test -s ;;
  *) die "usage: scripts/test.sh [unit|db|integration]" ;;
esac
