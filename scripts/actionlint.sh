#!/usr/bin/env bash
# Lints the GitHub workflows (.github/workflows) with actionlint, built once from its Go module at the version
# versions.json pins (into $CDC_SYNC_CACHE/bin; about 15 s). Settings: .github/actionlint.yaml.
#   scripts/actionlint.sh [actionlint flags or files...]
source "$(dirname "$0")/lib.sh"
version="$(pin actionlint)"
bin="$TOOLS_BIN/actionlint-$version"
if [ ! -x "$bin" ]; then
  command -v go >/dev/null || die "no actionlint v$version and no Go toolchain to build it"
  log "building actionlint v$version from its Go module"
  build="$(mktemp -d)"
  trap 'rm -rf "$build"' EXIT
  GOBIN="$build" CGO_ENABLED=0 go install "github.com/rhysd/actionlint/cmd/actionlint@v$version" >"$build/log" 2>&1 \
    || { cat "$build/log" >&2; die "building actionlint failed"; }
  mv "$build/actionlint" "$bin"
fi
cd "$REPO_ROOT"
exec "$bin" "$@"
