#!/usr/bin/env bash
# Writes the stack files of this machine's own stacks (`local`, `local-a`): Pulumi.<stack>.yaml from the tracked
# stacks/<stack>.yaml. Run by scripts/setup.sh; safe to rerun.
#   scripts/local-stacks.sh [DIR]   (default: the repository)
#
# Why two files: Pulumi keeps the passphrase provider's `encryptionsalt` in the stack file, and the local stacks'
# passphrase is each machine's own (scripts/setup.sh makes it). A tracked Pulumi.local.yaml would be changed by
# every machine's first `up`. So the settings are tracked in stacks/, and Pulumi.<stack>.yaml, which git ignores,
# is this machine's: the settings plus Pulumi's lines.
#
# A file written here carries the digest of what was written. When stacks/<stack>.yaml changes (a pull), the file
# is written again with Pulumi's lines kept, unless it was changed here since (`pulumi config set`): then it is
# left alone and the difference is reported, so nothing set on this machine is lost silently.
set -euo pipefail
dir="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"

MARK="# cdc-sync: written by scripts/setup.sh from"
# The lines Pulumi adds to a stack file for its secrets provider; they belong to this machine.
PULUMI_LINES='^(encryptionsalt|encryptedkey|secretsprovider):'

digest() { sha256sum | cut -c1-16; }
# The settings in FILE: without the mark and Pulumi's lines.
settings() { grep -v "^$MARK" "$1" | grep -vE "$PULUMI_LINES" || true; }

for template in "$dir"/stacks/*.yaml; do
  [ -f "$template" ] || continue
  stack="$(basename "$template" .yaml)"
  file="$dir/Pulumi.$stack.yaml"
  want="$(digest < "$template")"
  if [ -f "$file" ]; then
    written="$(sed -n "s|^$MARK stacks/$stack.yaml, digest \([0-9a-f]*\).*|\1|p" "$file")"
    [ "$written" = "$want" ] && continue
    if [ "$(settings "$file" | digest)" != "$written" ]; then
      echo "[cdc-sync] Pulumi.$stack.yaml was changed on this machine (pulumi config set?), and stacks/$stack.yaml" \
        "differs from it: left as it is. Merge by hand (keep what you set and the encryptionsalt line), or delete" \
        "Pulumi.$stack.yaml to take stacks/$stack.yaml as it is (what you set here is lost). The difference:" >&2
      diff -u --label "Pulumi.$stack.yaml (this machine)" --label "stacks/$stack.yaml" <(settings "$file") "$template" | sed 's/^/  /' >&2 || true
      continue
    fi
  fi
  {
    echo "$MARK stacks/$stack.yaml, digest $want: edit that file, not this one (this machine's copy, not tracked)."
    cat "$template"
    [ -f "$file" ] && grep -E "$PULUMI_LINES" "$file" || true
  } > "$file.partial"
  mv "$file.partial" "$file"
done
