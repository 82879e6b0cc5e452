#!/usr/bin/env bash
# Runs the two-host tests (tests/integration/hosts: topology B over SSH on the two test hosts of
# scripts/test-hosts.sh, which the tests make and remove) and writes what they measured to
# docs/results/two-hosts.json, with the machine, the commit and how long the whole group took (docs/two-hosts.md).
# Not part of scripts/test.sh: it adds about 10 minutes to a suite that must stay inside CI's budget.
#   scripts/two-hosts.sh
source "$(dirname "$0")/lib.sh"
"$REPO_ROOT/scripts/setup.sh" >/dev/null 2>&1 || die "setup failed; run scripts/setup.sh to see why"
source "$CDC_SYNC_CACHE/env"
cd "$REPO_ROOT"
npm run -s build
raw="$(mktemp)"
trap 'rm -f "$raw"' EXIT
results="$REPO_ROOT/docs/results/two-hosts.json"
mkdir -p "$(dirname "$results")"
log "running tests/integration/hosts (about 10 minutes)"
started=$SECONDS
env "CDC_SYNC_TWO_HOSTS_RESULTS=$raw" npx mocha 'tests/integration/hosts/*.test.ts' >&2 || die "the two-host tests failed: numbers not written"
took=$((SECONDS - started))
commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- components index.ts tests scripts || echo '+uncommitted')"
machine="$(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, $(uname -sr), $(docker version --format '{{.Server.Version}}' 2>/dev/null | sed 's/^/engine /')"
node -e '
  const [raw, out, commit, machine, took] = process.argv.slice(1);
  const r = JSON.parse(require("fs").readFileSync(raw, "utf8"));
  const doc = { measured: new Date().toISOString().slice(0, 10), commit, machine, groupSeconds: Number(took), ...r };
  require("fs").writeFileSync(out, JSON.stringify(doc, null, 2) + "\n");
  console.log(JSON.stringify(doc, null, 2));' "$raw" "$results" "$commit" "$machine" "$took"
log "wrote $results"
