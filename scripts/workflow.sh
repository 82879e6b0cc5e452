#!/usr/bin/env bash
# The steps of the pull-request workflow (.github/workflows/stacks.yml), as one script a person or a CI job runs the
# same way. The workflow calls nothing else; the tests run these steps against the `local` stack.
#   scripts/workflow.sh stacks BASE_REF|--all  the environments a change touches since BASE_REF (or all), one per line
#   scripts/workflow.sh preview STACK [FILE]   `pulumi preview --diff`; with FILE, also a Markdown comment of it there
#   scripts/workflow.sh up STACK               `pulumi up --refresh` (on merge): compared with the servers as they are
#   scripts/workflow.sh drift STACK            refresh, then preview: exit 0 when the servers match the declaration,
#                                              2 when something drifted (named), 1 on any other failure
# Pulumi must be on PATH with the stack's backend and passphrase in the environment (scripts/setup.sh, or the
# workflow's secrets: docs/team.md).
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 1; }

# The preview and the up run the stack's policies (policy/: replication outside local stacks, credentials only from
# the config provider, heartbeats on PostgreSQL sources); a mandatory one broken fails them.
# The CLI looks its analyzer up on PATH (policy/PulumiPolicy.yaml says why it is one of ours).
POLICY=(--policy-pack "$REPO_ROOT/policy")
export PATH="$REPO_ROOT/policy:$PATH"

# Every environment this repository declares: one Pulumi.<stack>.yaml each. The local stacks are each machine's
# own (two "servers" on the machine's engine; their settings in stacks/, their Pulumi files untracked), and
# benchmark stacks are scratch: neither is an environment.
declared_stacks() {
  for f in Pulumi.*.yaml; do
    s="${f#Pulumi.}"; s="${s%.yaml}"
    case "$s" in local | local-* | bench*) ;; *) echo "$s" ;; esac
  done
}

cmd="${1:-}"; shift || true
case "$cmd" in
  stacks)
    base="${1:?usage: workflow.sh stacks BASE_REF|--all}"
    if [ "$base" = "--all" ]; then declared_stacks; exit 0; fi
    changed="$(git diff --name-only "$base"...HEAD)"
    # A change to the program or its dependencies can change every environment; a stack file only its own; the
    # local stacks' settings (stacks/) none.
    if [ -z "$changed" ]; then
      exit 0
    elif grep -qvE '^(Pulumi\.[^/]+\.yaml|stacks/[^/]+\.yaml|docs/.*|.*\.md)$' <<<"$changed"; then
      declared_stacks
    else
      declared_stacks | while read -r s; do
        if grep -qx "Pulumi\.$s\.yaml" <<<"$changed"; then echo "$s"; fi
      done
    fi
    ;;
  preview)
    stack="${1:?usage: workflow.sh preview STACK [FILE]}"; out="${2:-}"
    log="$(mktemp)"; trap 'rm -f "$log"' EXIT
    status=0
    pulumi preview --stack "$stack" "${POLICY[@]}" --diff --non-interactive --color never 2>&1 | tee "$log" || status=$?
    if [ -n "$out" ]; then
      {
        echo "### \`pulumi preview\` of \`$stack\`"
        echo
        [ "$status" -eq 0 ] || echo "**The preview failed (exit $status): nothing can be merged into \`$stack\` until it passes.**"
        echo
        echo '```diff'
        # Pulumi prints +/~/- at the start of a step's line; a diff block colours them. Secrets are printed as [secret].
        sed -e 's/\r$//' "$log"
        echo '```'
      } > "$out"
    fi
    exit "$status"
    ;;
  up)
    stack="${1:?usage: workflow.sh up STACK}"
    # --refresh: what the servers hold is what the up compares with, so it also sets back what drifted.
    pulumi up --stack "$stack" "${POLICY[@]}" --refresh --yes --non-interactive --color never --diff
    ;;
  drift)
    stack="${1:?usage: workflow.sh drift STACK}"
    log="$(mktemp)"; trap 'rm -f "$log"' EXIT
    # The refresh reads every resource back from the servers (Connect's connectors, the containers, the databases'
    # objects); the preview then compares that with the declaration. Nothing is written: neither state nor servers.
    if pulumi preview --stack "$stack" --refresh --expect-no-changes --diff --non-interactive --color never >"$log" 2>&1; then
      log "no drift: $stack matches its declaration"
      exit 0
    fi
    cat "$log"
    if grep -qE "no changes were expected (for preview )?but changes were proposed" "$log"; then
      # With --diff, a step is a `~ TYPE: (update)` line followed by the resource's `[urn=...::NAME]`.
      drifted="$(awk '
        /^ *[-+~]+ .*: \((update|create|delete|replace|create-replacement|delete-replaced)\)/ { op = $0; sub(/.*\(/, "", op); sub(/\).*/, "", op); next }
        op != "" && /\[urn=/ { n = split($0, parts, "::"); name = parts[n]; sub(/\].*/, "", name); print name " (" op ")"; op = "" }
      ' "$log" | sort -u | paste -sd';' - | sed 's/;/; /g')"
      log "DRIFT: $stack differs from its declaration${drifted:+: $drifted}. Review it with \`pulumi preview --refresh --diff --stack $stack\`; \`scripts/workflow.sh up $stack\` (pulumi up --refresh) sets it back"
      exit 2
    fi
    log "the drift check of $stack could not run (above)"
    exit 1
    ;;
  *) usage ;;
esac
