#!/usr/bin/env bash
# Runs one of Kafka's own tools against a deployed stack, in a broker container on SERVER, talking to that broker:
#   scripts/kafka.sh SERVER TOOL [ARGS...]          (the stack: CDC_SYNC_STACK, default local)
#   scripts/kafka.sh server1 kafka-topics.sh --describe --under-replicated-partitions
#   scripts/kafka.sh server2 kafka-consumer-groups.sh --describe --all-groups
#   scripts/kafka.sh server1 kafka-console-consumer.sh --topic T --from-beginning --max-messages 5
# TOOL is any name images/kafka/kafka-tool knows. The container is reached through the engine at DOCKER_HOST.
source "$(dirname "$0")/lib.sh"
[ $# -ge 2 ] || { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 1; }
server="$1" tool="$2"; shift 2
stack="${CDC_SYNC_STACK:-local}"
source "$CDC_SYNC_CACHE/env" 2>/dev/null || die "run scripts/setup.sh (or scripts/up.sh) first"
cd "$REPO_ROOT"
placement="$(pulumi stack output --stack "$stack" placement --json 2>/dev/null)" || die "no outputs for stack $stack: is it up?"
id="$(node -e '
  const p = JSON.parse(process.argv[1]);
  const b = p.brokers.find((b) => b.server === process.argv[2]);
  if (!b) { console.error(`no broker runs on ${process.argv[2]}; brokers run on ${[...new Set(p.brokers.map((b) => b.server))].join(", ")}`); process.exit(1); }
  console.log(b.id);' "$placement" "$server")" || die "stack $stack: see above"
# -i: a console producer reads its records from stdin.
exec docker exec -i "cdc-sync-$stack-broker-$id" "$tool" "$@"
