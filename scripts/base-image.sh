#!/usr/bin/env bash
# Ensures the Debian base image the Dockerfiles start FROM exists in the engine at DOCKER_HOST.
# Pulls it where a registry answers; otherwise builds it with debootstrap from the machine's Debian mirror and
# imports it under the same name, so the same Dockerfiles work online and offline.
source "$(dirname "$0")/lib.sh"
: "${DOCKER_HOST:?run scripts/engine.sh first}"

suite="$(pin debianSuite)"
image="docker.io/library/debian:${suite}-slim"

if docker image inspect "$image" >/dev/null 2>&1; then exit 0; fi
if timeout 60 docker pull -q "$image" >/dev/null 2>&1; then log "pulled $image"; exit 0; fi

mirror="$("$REPO_ROOT/scripts/debian-mirror.sh")"
log "no registry answers: building $image with debootstrap from $mirror (scripts/debian-mirror.sh says where that comes from)"
if ! command -v debootstrap >/dev/null; then
  command -v apt-get >/dev/null || die "cannot pull $image and cannot install debootstrap: pull or import the image by hand"
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
fi
rootfs="$(mktemp -d "$CDC_SYNC_CACHE/rootfs.XXXXXX")"
trap 'rm -rf "$rootfs"' EXIT
debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$CDC_SYNC_CACHE/debootstrap.log" 2>&1 \
  || die "debootstrap failed; see $CDC_SYNC_CACHE/debootstrap.log"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | docker import - "$image" >/dev/null
log "imported $image"
