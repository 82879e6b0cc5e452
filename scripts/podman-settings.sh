#!/usr/bin/env bash
# Gives Podman the three settings ../shared/ENVIRONMENT.md records (runc, explicit ulimits, cgroupfs) as a drop-in,
# never editing the host's own containers.conf: Podman reads containers.conf.d/*.conf after containers.conf, so the
# drop-in wins where both set a key, and every other setting of the host stays as it was.
#   scripts/podman-settings.sh [CONTAINERS_DIR]   (default /etc/containers)
source "$(dirname "$0")/lib.sh"
dir="${1:-/etc/containers}"
dropin="$dir/containers.conf.d/50-cdc-sync.conf"
settings='# Written by cdc-sync scripts/podman-settings.sh: podman'"'"'s defaults fail on hosts without CAP_SYS_RESOURCE
# or with hybrid cgroups; these three settings are what works there.
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"'

main="$dir/containers.conf"
if [ -f "$main" ] && grep -q '^# Written by cdc-sync scripts/engine.sh' "$main"; then
  # Earlier releases wrote the whole file; it held nothing but these settings.
  rm -f "$main"
  log "removed $main, which an earlier cdc-sync wrote; its settings move to $dropin"
elif [ -f "$main" ]; then
  set_here="$(grep -oE '^[[:space:]]*(runtime|cgroup_manager|default_ulimits)[[:space:]]*=' "$main" | tr -d ' =\t' | sort -u | paste -sd, - || true)"
  log "left $main as it is${set_here:+ (its ${set_here//,/, } overridden by the drop-in)}"
fi
if [ "$(cat "$dropin" 2>/dev/null)" != "$settings" ]; then
  mkdir -p "$(dirname "$dropin")"
  printf '%s\n' "$settings" > "$dropin"
  log "wrote $dropin: runtime runc, cgroup_manager cgroupfs, default_ulimits nofile 20000 and nproc 32768"
fi
later="$(find "$dir/containers.conf.d" -maxdepth 1 -name '*.conf' ! -name '50-cdc-sync.conf' 2>/dev/null | sort | awk -v me="$dropin" '$0 > me' | paste -sd' ' - || true)"
[ -z "$later" ] || log "note: $later read after $dropin; a runtime, cgroup_manager or default_ulimits there wins"
