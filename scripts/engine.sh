#!/usr/bin/env bash
# Makes a Docker-compatible engine answer at DOCKER_HOST and prints the `export DOCKER_HOST=...` line.
# Uses the engine at DOCKER_HOST (or the default socket) when it answers; otherwise installs and starts
# Podman with the three settings ../shared/ENVIRONMENT.md records (runc, explicit ulimits, cgroupfs) as a
# drop-in beside the host's own containers.conf (scripts/podman-settings.sh).
source "$(dirname "$0")/lib.sh"

engine_answers() { timeout 10 docker ${1:+-H "$1"} version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if [ -n "${DOCKER_HOST:-}" ] && engine_answers "$DOCKER_HOST"; then
  echo "export DOCKER_HOST=$DOCKER_HOST"; exit 0
fi
if [ -z "${DOCKER_HOST:-}" ] && [ -S /var/run/docker.sock ] && engine_answers unix:///var/run/docker.sock; then
  echo "export DOCKER_HOST=unix:///var/run/docker.sock"; exit 0
fi

PODMAN_SOCK=/run/podman/podman.sock
if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
  log "no container engine answers: installing podman + runc from the distribution"
  command -v apt-get >/dev/null || die "no engine at DOCKER_HOST and no apt-get to install podman: start Docker or Podman and set DOCKER_HOST"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq podman runc >&2
fi
"$REPO_ROOT/scripts/podman-settings.sh"
# A service started from a directory that was removed since (a CI clone, a temp dir) still answers the API,
# but conmon fails every container start ("Failed to get working directory"): restart it.
for pid in $(pgrep -f "podman system service .*unix://$PODMAN_SOCK" || true); do
  if [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == *" (deleted)" ]]; then
    log "the podman API service (pid $pid) runs in a removed directory: restarting it"
    kill "$pid"; for _ in $(seq 1 10); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  fi
done
if ! engine_answers "unix://$PODMAN_SOCK"; then
  log "starting the podman API service at $PODMAN_SOCK"
  mkdir -p /run/podman
  # From /, so it never runs in a directory that is later removed (see above). The service outlives this
  # script: it must hold none of the caller's descriptors, or `$(engine.sh)` (and a CI log reader) waits
  # for it forever. So: every descriptor past stdio closed, stdio redirected, its own session.
  (
    cd /
    for fd in /proc/"$BASHPID"/fd/*; do
      fd="${fd##*/}"
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    exec setsid nohup podman system service --time=0 "unix://$PODMAN_SOCK" \
      </dev/null >"$CDC_SYNC_CACHE/podman-service.log" 2>&1
  ) &
  for _ in $(seq 1 30); do engine_answers "unix://$PODMAN_SOCK" && break; sleep 1; done
  engine_answers "unix://$PODMAN_SOCK" || die "podman service did not answer; see $CDC_SYNC_CACHE/podman-service.log"
fi
echo "export DOCKER_HOST=unix://$PODMAN_SOCK"
