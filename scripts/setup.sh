#!/usr/bin/env bash
# Brings this machine to the point where `pulumi up` works, idempotently, and writes the environment
# to $CDC_SYNC_CACHE/env (source it, or use scripts/env.sh). Safe to rerun: every step is cached.
#   1. Node.js (pinned)        2. Pulumi CLI + language host + dynamic-provider plugin (pinned)
#   3. a Docker-compatible engine   4. the Debian base image   5. npm dependencies (from the lock file)
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

node_bin="$("$REPO_ROOT/scripts/node.sh")"
export PATH="$node_bin:$PATH"

# The Pulumi build is the long pole on a cold machine: run it while the engine and image are prepared. Its
# progress lines go to stderr as they come, between the engine's.
pulumi_out="$CDC_SYNC_CACHE/pulumi-setup.out"
"$REPO_ROOT/scripts/pulumi.sh" >"$pulumi_out" &
pulumi_job=$!

eval "$("$REPO_ROOT/scripts/engine.sh")"
"$REPO_ROOT/scripts/base-image.sh"

lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f node_modules/.cdc-sync-lock ] || [ "$(cat node_modules/.cdc-sync-lock)" != "$lock_hash" ]; then
  log "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$lock_hash" > node_modules/.cdc-sync-lock
fi

wait "$pulumi_job" || die "Pulumi toolchain setup failed (its error is above)"
pulumi_bin="$(cat "$pulumi_out")"

# Local state backend and a per-machine passphrase for the stack's secrets (created once, mode 0600).
state_dir="${CDC_SYNC_STATE:-$HOME/.local/share/cdc-sync}"
mkdir -p "$state_dir/backend"
[ -f "$state_dir/passphrase" ] || (umask 077 && head -c 32 /dev/urandom | base64 > "$state_dir/passphrase")
# The local stacks' files, whose salt belongs to that passphrase: written from the tracked stacks/ (see the script).
"$REPO_ROOT/scripts/local-stacks.sh"
# Decided when the env file is sourced, not when it is written: every checkout on the machine shares it,
# and a passphrase the user set explicitly wins.
passphrase_line="[ -n \"\${PULUMI_CONFIG_PASSPHRASE:-}\" ] || export PULUMI_CONFIG_PASSPHRASE_FILE=\"\${PULUMI_CONFIG_PASSPHRASE_FILE:-$state_dir/passphrase}\""

# Extra CA certificates this host trusts (e.g. a TLS-inspecting egress proxy): image builds fetch from
# Maven Central over HTTPS and need them too. Empty on an ordinary host.
ca_line=""
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  cat /usr/local/share/ca-certificates/*.crt > "$CDC_SYNC_CACHE/extra-ca.pem"
  ca_line="export CDC_SYNC_BUILD_CA_FILE=$CDC_SYNC_CACHE/extra-ca.pem"
fi

cat > "$CDC_SYNC_CACHE/env" <<ENV
export PATH="$pulumi_bin:$node_bin:\$PATH"
export DOCKER_HOST="$DOCKER_HOST"
export PULUMI_BACKEND_URL="\${PULUMI_BACKEND_URL:-file://$state_dir/backend}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
$passphrase_line
$ca_line
ENV
log "ready: source $CDC_SYNC_CACHE/env (or eval \"\$(scripts/env.sh)\") to use pulumi directly"
