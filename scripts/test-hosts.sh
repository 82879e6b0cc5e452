#!/usr/bin/env bash
# Two test "servers" on this machine, for trying a two-server stack without two VPSes (docs/two-hosts.md), and for
# the suite's two-host tests (tests/integration/hosts). Each is a network namespace with its own address, its own
# Podman API service (its own image and container store) and an SSH server; a bridge joins them and this machine.
#
#   scripts/test-hosts.sh up [DIR]          create both hosts; writes DIR/env (source it), DIR/known_hosts
#   scripts/test-hosts.sh down [DIR]        stop everything on them and remove them (containers, stores, namespaces)
#   scripts/test-hosts.sh partition [DIR]   drop all traffic between the two hosts (each still reaches this machine)
#   scripts/test-hosts.sh heal [DIR]        undo `partition`
#   scripts/test-hosts.sh restart-engine N [DIR]  host N's engine goes down with its containers and comes back
#
# DIR defaults to /var/tmp/cdc-sync-hosts. The hosts are cdc-h1 and cdc-h2 at $CDC_HOSTS_NET.11 and .12
# (CDC_HOSTS_NET, default 10.231.77; this machine is .1 on the bridge cdc-hosts). Each is reached as
# ssh://root@ADDRESS with the key in DIR's ssh-agent, its host key in DIR/known_hosts. Needs root.
source "$(dirname "$0")/lib.sh"
cmd="${1:-}"
case "$cmd" in restart-engine) n="${2:?restart-engine needs a host number (1 or 2)}"; shift ;; esac
dir="${2:-/var/tmp/cdc-sync-hosts}"
dir="${dir%/}"
net="${CDC_HOSTS_NET:-10.231.77}"
bridge=cdc-hosts
hosts=(1 2)

ns() { echo "cdc-h$1"; }
addr() { echo "$net.1$1"; }
store() { echo "--root $dir/h$1/storage --runroot $dir/h$1/run --tmpdir $dir/h$1/tmp"; }
# Podman must enter only the network namespace: `ip netns exec` also remounts /sys, and runc then finds no cgroups.
in_ns() { local h="$1"; shift; nsenter --net="/var/run/netns/$(ns "$h")" "$@"; }
answers() { timeout 5 curl -sf --unix-socket "$dir/h$1/podman.sock" http://d/_ping >/dev/null 2>&1; }

service() { echo "podman $(store "$1") system service"; }

start_engine() {
  local h="$1"
  mkdir -p "$dir/h$h"/{storage,run,tmp}
  # shellcheck disable=SC2046
  in_ns "$h" $(service "$h") --time=0 "unix://$dir/h$h/podman.sock" >>"$dir/h$h/podman.log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do answers "$h" && return 0; sleep 0.5; done
  die "host $h's Podman service did not answer in 30 s (see $dir/h$h/podman.log)"
}

stop_engine() {
  pkill -f -- "$(service "$1")" || true
  for _ in $(seq 1 20); do pgrep -f -- "$(service "$1")" >/dev/null || break; sleep 0.5; done
  rm -f "$dir/h$1/podman.sock"
}

up() {
  [ "$(id -u)" = 0 ] || die "the test hosts need root (network namespaces)"
  ip netns list | grep -q '^cdc-h1\b' && die "test hosts already exist: scripts/test-hosts.sh down $dir"
  mkdir -p "$dir"
  chmod 700 "$dir"
  ip link add "$bridge" type bridge
  ip addr add "$net.1/24" dev "$bridge"
  ip link set "$bridge" up
  ssh-keygen -q -t ed25519 -N '' -C cdc-sync-test-hosts -f "$dir/client_key"
  : >"$dir/known_hosts"
  for h in "${hosts[@]}"; do
    ip netns add "$(ns "$h")"
    ip link add "cdch$h" type veth peer name eth0 netns "$(ns "$h")"
    ip link set "cdch$h" master "$bridge" up
    ip -n "$(ns "$h")" addr add "$(addr "$h")/24" dev eth0
    ip -n "$(ns "$h")" link set eth0 up
    ip -n "$(ns "$h")" link set lo up
    start_engine "$h"
    ssh-keygen -q -t ed25519 -N '' -C "cdc-h$h" -f "$dir/h$h/host_key"
    echo "$(addr "$h") $(cut -d' ' -f1,2 "$dir/h$h/host_key.pub")" >>"$dir/known_hosts"
    (cd "$REPO_ROOT" && in_ns "$h" node -r ts-node/register/transpile-only scripts/test-host-ssh.ts \
      --listen "$(addr "$h"):22" --host-key "$dir/h$h/host_key" --authorized "$dir/client_key.pub" \
      --user root --engine "$dir/h$h/podman.sock" >>"$dir/h$h/ssh.log" 2>&1 </dev/null &)
  done
  ssh-agent -a "$dir/agent.sock" >/dev/null 2>&1 </dev/null
  SSH_AUTH_SOCK="$dir/agent.sock" ssh-add -q "$dir/client_key"
  cat >"$dir/env" <<ENV
# The test hosts of scripts/test-hosts.sh: source this before pulumi or the docker CLI.
export SSH_AUTH_SOCK=$dir/agent.sock
export CDC_SYNC_KNOWN_HOSTS=$dir/known_hosts
ENV
  for h in "${hosts[@]}"; do
    for _ in $(seq 1 40); do grep -q listening "$dir/h$h/ssh.log" 2>/dev/null && break; sleep 0.5; done
    grep -q listening "$dir/h$h/ssh.log" || die "host $h's SSH server did not start (see $dir/h$h/ssh.log)"
    log "host $h: ssh://root@$(addr "$h") (engine store $dir/h$h/storage)"
  done
  log "source $dir/env to reach them; scripts/test-hosts.sh down $dir removes them"
}

down() {
  for h in "${hosts[@]}"; do
    # Containers first, through the store itself (the service may be gone): their processes outlive the service.
    # shellcheck disable=SC2046
    [ -d "$dir/h$h" ] && { podman $(store "$h") rm -af -t 0 >/dev/null 2>&1 || true; }
  done
  # Every process of the hosts names their directory: the API services, the SSH servers, the agent, any conmon left.
  pkill -f -- "$dir/" || true
  sleep 1
  pkill -9 -f -- "$dir/" || true
  for h in "${hosts[@]}"; do ip netns del "$(ns "$h")" 2>/dev/null || true; done
  ip link del "$bridge" 2>/dev/null || true
  if [ -d "$dir" ]; then
    # Overlay and shm mounts of the stores, deepest first, then the files.
    { grep -o " $dir/[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf "$dir"
  fi
  log "test hosts removed"
}

partition() {
  ip -n cdc-h1 route add blackhole "$(addr 2)/32"
  ip -n cdc-h2 route add blackhole "$(addr 1)/32"
  log "partitioned: cdc-h1 and cdc-h2 drop each other's traffic"
}

heal() {
  ip -n cdc-h1 route del blackhole "$(addr 2)/32" 2>/dev/null || true
  ip -n cdc-h2 route del blackhole "$(addr 1)/32" 2>/dev/null || true
  log "healed"
}

# Host N's engine goes down with every container and comes back, as at a reboot of a Podman server: its containers
# are stopped, the API service restarts, and the engine starts what Podman's boot unit (podman-restart.service) starts,
# `podman start --all --filter restart-policy=always`. Nothing else is started by hand.
restart_engine() {
  local h="$1" started
  # shellcheck disable=SC2046
  podman $(store "$h") stop -a -t 30 >/dev/null
  stop_engine "$h"
  start_engine "$h"
  # shellcheck disable=SC2046
  started="$(in_ns "$h" podman $(store "$h") start --all --filter restart-policy=always)"
  log "host $h's engine restarted; podman-restart.service's command started $(echo "$started" | grep -c . || true) container(s)"
}

case "$cmd" in
  up) up ;;
  down) down ;;
  partition) partition ;;
  heal) heal ;;
  restart-engine) restart_engine "$n" ;;
  *) die "usage: scripts/test-hosts.sh up|down|partition|heal [DIR] | restart-engine N [DIR]" ;;
esac
