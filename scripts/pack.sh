#!/usr/bin/env bash
# The components as a library: compiles lib/index.ts and what it imports (JavaScript + type declarations) into
# dist/, with the image definitions the components build from and versions.json beside them, and packs that as
# cdc-sync-VERSION.tgz in DIR (default: the repository root). Prints the tarball's path.
#   scripts/pack.sh [DIR]
# A team's program then depends on it: `npm install /path/to/cdc-sync-VERSION.tgz` (examples/team-program).
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
dest="$(mkdir -p "${1:-$REPO_ROOT}" && cd "${1:-$REPO_ROOT}" && pwd)"
rm -rf dist
npx tsc -p tsconfig.lib.json
# components/docker/image.ts finds the Dockerfiles at ../../images from its own file: dist/images.
cp -r images dist/images
# The library's manifest: this repository's name, version and runtime dependencies, the compiled entry point.
node -e '
  const root = require("./package.json");
  const lib = {
    name: root.name, version: root.version, description: root.description, license: root.license,
    main: "lib/index.js", types: "lib/index.d.ts", engines: root.engines, dependencies: root.dependencies,
  };
  delete lib.dependencies["@pulumi/policy"];
  require("fs").writeFileSync("dist/package.json", JSON.stringify(lib, null, 2) + "\n");
'
(cd dist && npm pack --silent --pack-destination "$dest") | sed "s#^#$dest/#"
