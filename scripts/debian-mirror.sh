#!/usr/bin/env bash
# Prints the Debian mirror base-image.sh bootstraps from: CDC_SYNC_DEBIAN_MIRROR when set, else the first mirror of
# the machine's own apt sources that serves a release suite (not -security, -updates or -backports) with `main`,
# else Debian's own deb.debian.org. A site with its own mirror needs no setting.
#   scripts/debian-mirror.sh [APT_DIR]   (default /etc/apt)
set -euo pipefail
if [ -n "${CDC_SYNC_DEBIAN_MIRROR:-}" ]; then echo "$CDC_SYNC_DEBIAN_MIRROR"; exit 0; fi
apt="${1:-/etc/apt}"
found="$(
  {
    # One-line format: deb [options] URI SUITE COMPONENT...
    for f in "$apt/sources.list" "$apt"/sources.list.d/*.list; do
      if [ -f "$f" ]; then sed -e 's/\[[^]]*\]//' "$f" | awk '$1 == "deb" { print $2 " " $3 " " substr($0, index($0, $4)) }'; fi
    done
    # deb822 format: one stanza per blank-line-separated block, Enabled: no skips it.
    for f in "$apt"/sources.list.d/*.sources; do
      [ -f "$f" ] || continue
      awk '
        function flush() { if (types ~ /(^| )deb( |$)/ && enabled != "no") { n = split(uris, u, " "); split(suites, s, " "); for (i = 1; i <= n; i++) print u[i] " " s[1] " " comps } types = uris = suites = comps = ""; enabled = "" }
        /^[[:space:]]*#/ { next }
        /^[[:space:]]*$/ { flush(); next }
        tolower($1) == "types:" { $1 = ""; types = $0 }
        tolower($1) == "uris:" { $1 = ""; uris = $0 }
        tolower($1) == "suites:" { $1 = ""; suites = $0 }
        tolower($1) == "components:" { $1 = ""; comps = $0 }
        tolower($1) == "enabled:" { enabled = tolower($2) }
        END { flush() }' "$f"
    done
  } | awk '$2 !~ /-/ && $0 ~ / main( |$)/ && $1 ~ /^https?:\/\// { print $1; exit }'
)"
echo "${found:-http://deb.debian.org/debian}"
