#!/usr/bin/env bash
# After `scripts/up.sh` (or `pulumi up`) of a stack that declares topology B: writes to db1 and db2 and shows
# each change arriving on the other side with the time it took, then the per-direction health outputs.
#   scripts/twoway-demo.sh [STACK]
# The administrator password is read from the PostgreSQL container (stack-run server) through the engine
# at DOCKER_HOST; for an adopted server, export PGPASSWORD instead.
source "$(dirname "$0")/lib.sh"
stack="${1:-local}"
source "$CDC_SYNC_CACHE/env" 2>/dev/null || die "run scripts/setup.sh (or scripts/up.sh) first"
cd "$REPO_ROOT"
out="$(twoway_output "$stack")" || die "stack $stack has no two-way pair in its pipelines output: is it up, and does it declare a twoWayPostgres pipeline?"
address="$(node -e 'console.log(JSON.parse(process.argv[1]).postgres)' "$out")"
container="cdc-sync-$stack-$(node -e 'console.log(JSON.parse(process.argv[1]).server)' "$out")"
read -r db1 db2 < <(node -e 'const d = JSON.parse(process.argv[1]).directions; console.log(d[0].direction.split("->").join(" "))' "$out")
if [ -z "${PGPASSWORD:-}" ]; then
  PGPASSWORD="$(docker exec "$container" cat /etc/cdc-sync/secrets/postgres-password)" \
    || die "cannot read the administrator password from $container; export PGPASSWORD"
  export PGPASSWORD
fi
npx ts-node scripts/twoway-demo.ts "${address%:*}" "${address##*:}" "$db1" "$db2"
echo
echo "== per-direction health (canary latency, slot lag), measured now by pulumi refresh"
pulumi refresh --stack "$stack" --yes --non-interactive --skip-preview --run-program >/dev/null
twoway_output "$stack" | node -e '
  const o = JSON.parse(require("fs").readFileSync(0, "utf8"));
  for (const h of o.health) console.log(`${h.direction.padEnd(10)} canary ${String(h.canaryLatencyMs).padStart(5)} ms   slot lag ${h.slotLagBytes} bytes   slot active: ${h.slotActive}`);
  console.log(`measured at ${o.healthMeasuredAt}`);'
