#!/usr/bin/env bash
# Measures the day-2 changes (issue #11) and writes the numbers down: runs the day-2 integration tests
# (tests/integration/day2/, real `pulumi up` of the `local` stack under a write load on both sides of its two-way
# pair, each change ended by the no-loss checker), then writes docs/results/day2.json (one object per change:
# change, writes, lost, diverged, maxGapMs, upSeconds) and the table between the markers in docs/day2.md, with the
# machine and the commit. Needs the engine free of a `local` stack (the suite refuses otherwise).
#   scripts/day2.sh                  run the tests, then write the numbers
#   scripts/day2.sh --render FILE [COMMIT]
#                                    write the numbers a run already left in FILE: the test suite writes them
#                                    wherever CDC_SYNC_DAY2_RESULTS points (e.g. during a whole ./scripts/test.sh);
#                                    COMMIT: the commit that run tested (default: HEAD)
source "$(dirname "$0")/lib.sh"
"$REPO_ROOT/scripts/setup.sh" >/dev/null 2>&1 || die "setup failed; run scripts/setup.sh to see why"
source "$CDC_SYNC_CACHE/env"
cd "$REPO_ROOT"
results="$REPO_ROOT/docs/results/day2.json"
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
    log "running the day-2 tests (about 20 minutes, the platform's own up included)"
    CDC_SYNC_DAY2_RESULTS="$raw" npx mocha 'tests/integration/day2/*.test.ts' >&2 || die "the day-2 tests failed: numbers not written"
    cp "$raw" "$results" ;;
  *) die "usage: scripts/day2.sh [--render FILE]" ;;
esac
commit="${tested:-$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- components index.ts tests || echo '+uncommitted')}"
machine="$(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, $(uname -sr), $(docker version --format '{{.Server.Version}}' 2>/dev/null | sed 's/^/engine /')"
node - "$results" "$REPO_ROOT/docs/day2.md" "$commit" "$machine" "$(date -u +%Y-%m-%d)" <<'JS'
const fs = require("fs");
const [results, doc, commit, machine, day] = process.argv.slice(2);
const rows = JSON.parse(fs.readFileSync(results, "utf8"));
const table = [
  `Measured ${day} at ${commit} on ${machine}, by \`scripts/day2.sh\`.`,
  "",
  "| change | writes during it | rows lost | diverged | longest delivery gap | `up` took |",
  "|---|---:|---:|---|---:|---:|",
  ...rows.map((r) => `| ${r.change} | ${r.writes} | ${r.lost} | ${r.diverged ? "yes" : "no"} | ${(r.maxGapMs / 1000).toFixed(1)} s | ${r.upSeconds} s |`),
].join("\n");
const text = fs.readFileSync(doc, "utf8");
const start = "<!-- day2.sh: results -->", end = "<!-- /day2.sh -->";
if (!text.includes(start) || !text.includes(end)) throw new Error(`${doc} lacks the markers ${start} ... ${end}`);
fs.writeFileSync(doc, text.slice(0, text.indexOf(start) + start.length) + "\n" + table + "\n" + text.slice(text.indexOf(end)));
JS
log "wrote $results and the table in docs/day2.md"
