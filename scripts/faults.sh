#!/usr/bin/env bash
# Measures the day-2 changes (issue #11) or the faults (issue #12) and writes the numbers down: runs that folder of
# integration tests (tests/integration/day2/ or faults/: the `local` stack under a write load on both sides of its
# two-way pair, each change or fault ended by the no-loss checker), then writes docs/results/<what>.json and the
# table between the markers in docs/<what>.md, with the machine and the commit. Needs the engine free of a `local`
# stack (the suite refuses otherwise).
#   scripts/day2.sh | scripts/faults.sh                 run the tests, then write the numbers
#   scripts/day2.sh --render FILE [COMMIT]               write the numbers a run already left in FILE: the suite
#                                                        writes them wherever CDC_SYNC_DAY2_RESULTS (faults:
#                                                        CDC_SYNC_FAULTS_RESULTS) points, e.g. during a whole
#                                                        ./scripts/test.sh; COMMIT: the commit that run tested
#   scripts/faults.sh --without-exactly-once [--render FILE [COMMIT]]
#                                                        the same with the Connect workers' exactly-once sources off
#                                                        (the stack file changed for the run only), for the duplicate
#                                                        counts without them: results/faults-without-exactly-once.json
source "$(dirname "$0")/lib.sh"
what="$(basename "$0" .sh)"
case "$what" in day2 | faults) ;; *) die "run as scripts/day2.sh or scripts/faults.sh" ;; esac
"$REPO_ROOT/scripts/setup.sh" >/dev/null 2>&1 || die "setup failed; run scripts/setup.sh to see why"
source "$CDC_SYNC_CACHE/env"
cd "$REPO_ROOT"
doc="$what"
if [ "$what" = faults ] && [ "${1:-}" = --without-exactly-once ]; then
  shift
  export CDC_SYNC_ITEST_EXACTLY_ONCE=false
  what=faults-without-exactly-once
fi
results="$REPO_ROOT/docs/results/$what.json"
mkdir -p "$(dirname "$results")"
tested=""
case "${1:-}" in
  --render)
    [ -s "${2:-}" ] || die "--render needs the results file a run wrote"
    cp "$2" "$results"
    tested="${3:-}" ;;
  "")
    raw="$(mktemp)"
    trap 'rm -f "$raw"' EXIT
    log "running tests/integration/$doc (20 minutes or more, the platform's own up included)"
    env "CDC_SYNC_${doc^^}_RESULTS=$raw" npx mocha "tests/integration/$doc/*.test.ts" >&2 || die "the $what tests failed: numbers not written"
    cp "$raw" "$results" ;;
  *) die "usage: scripts/$doc.sh $([ "$doc" = faults ] && echo '[--without-exactly-once] ')[--render FILE [COMMIT]]" ;;
esac
commit="${tested:-$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- components index.ts tests || echo '+uncommitted')}"
machine="$(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, $(uname -sr), $(docker version --format '{{.Server.Version}}' 2>/dev/null | sed 's/^/engine /')"
node "$REPO_ROOT/scripts/results-table.js" "$what" "$results" "$REPO_ROOT/docs/$doc.md" "$commit" "$machine" "$(date -u +%Y-%m-%d)"
log "wrote $results and the table in docs/$doc.md"
