#!/usr/bin/env bash
# Installs the pinned Pulumi CLI, the Node.js language host and the dynamic-provider plugin script into
# $CDC_SYNC_CACHE/bin and prints that directory. Uses an installed `pulumi` of the pinned version if there
# is one (the normal case on a machine with internet); otherwise builds from Go modules, because no
# prebuilt Pulumi binary is reachable from our machines.
source "$(dirname "$0")/lib.sh"

version="$(pin pulumi)"
bin="$TOOLS_BIN"

if [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-nodejs" ] && [ -x "$bin/pulumi-resource-pulumi-nodejs" ] \
  && [ "$("$bin/pulumi" version 2>/dev/null)" = "v$version" ]; then
  echo "$bin"; exit 0
fi

installed="$(command -v pulumi || true)"
if [ -n "$installed" ] && [ "$("$installed" version 2>/dev/null)" = "v$version" ] \
  && [ -x "$(dirname "$installed")/pulumi-language-nodejs" ]; then
  # An official install ships the language host and plugin script beside the CLI.
  dirname "$installed"; exit 0
fi

command -v go >/dev/null || die "no pulumi v$version installed and no Go toolchain to build it: install Pulumi v$version"
export CGO_ENABLED=0 GOFLAGS=-mod=mod
ldflags="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version"

# build_from_wrapper DIR MODULE_REQUIREMENTS PACKAGE OUTPUT: upstream go.mod files carry `replace`
# directives, so `go install pkg@version` refuses them; a small wrapper module that requires them works.
build_from_wrapper() {
  local dir="$CDC_SYNC_CACHE/build/$1" requires="$2" package="$3" out="$4" extra="${5:-}"
  mkdir -p "$dir"
  printf 'module cdcsync.local/%s\n\ngo 1.25\n\nrequire (\n%s\n)\n%s\n' "$1" "$requires" "$extra" > "$dir/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$package" > "$dir/tools.go"
  (cd "$dir" && with_progress "resolving $package (go mod tidy)" "$dir/tidy.log" go mod tidy) || die "resolving $package failed; see $dir/tidy.log"
  (cd "$dir" && with_progress "building $package (go build)" "$dir/build.log" go build -trimpath -o "$out.partial" -ldflags "$ldflags" "$package") \
    || die "building $package failed; see $dir/build.log"
  mv "$out.partial" "$out"
}

log "building the Pulumi CLI v$version from Go modules (cold: ~10 min on 2 cores)"
build_from_wrapper pulumi-cli \
  "	github.com/pulumi/pulumi/pkg/v3 v$version
	github.com/pulumi/pulumi/sdk/v3 v$version" \
  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "$bin/pulumi" \
  "replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e" &
cli=$!

# The Node.js language host has its own, untagged module since v3.69, and the module proxy we can reach
# does not serve it. v3.68.0 is the last SDK release that carries it inside the sdk module; it speaks the
# same language-host protocol and runs the program with the project's own @pulumi/pulumi (pinned above).
langhost_sdk="$(pin pulumiLanguageHostSdk)"
log "building the Node.js language host (from sdk v$langhost_sdk)"
build_from_wrapper pulumi-language-nodejs \
  "	github.com/pulumi/pulumi/sdk/v3 v$langhost_sdk" \
  github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs "$bin/pulumi-language-nodejs"

wait "$cli" || die "building the Pulumi CLI failed; see $CDC_SYNC_CACHE/build/pulumi-cli/build.log"
# The dynamic-provider plugin is a small script shipped in the sdk module at the pinned version.
sdkdir="$(cd "$CDC_SYNC_CACHE/build/pulumi-cli" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
install -m 0755 "$sdkdir/nodejs/dist/pulumi-resource-pulumi-nodejs" "$bin/pulumi-resource-pulumi-nodejs"

[ "$("$bin/pulumi" version)" = "v$version" ] || die "built pulumi does not report v$version"
echo "$bin"
