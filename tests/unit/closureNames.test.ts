// Dynamic providers are serialized with the functions they call. Pulumi's closure serializer treats a name
// that is also a global of the running process as that global and does not capture it; under mocha (which
// defines `run`, `describe`, `it`, ...) an inline test stack's provider then fails with "run is not
// defined". This keeps module-level functions in components/ clear of those names, and the repo's own modules
// imported where the serializer sees them.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const TEST_RUNNER_GLOBALS = ["run", "describe", "context", "it", "specify", "before", "after", "beforeEach", "afterEach", "setup", "suite", "test", "xit", "xdescribe"];

function files(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
    });
}

describe("components: names dynamic providers can be serialized with", () => {
    it("declares no module-level function or constant named like a test-runner global", () => {
        const root = path.join(__dirname, "..", "..", "components");
        const decl = new RegExp(`^(?:export )?(?:async )?(?:function|const|let) (${TEST_RUNNER_GLOBALS.join("|")})\\b`, "gm");
        const found = files(root).flatMap((f) => [...fs.readFileSync(f, "utf8").matchAll(decl)].map((m) => `${path.relative(root, f)}: ${m[1]}`));
        assert.deepStrictEqual(found, []);
    });

    // Packages are required inside provider methods (nothing of node_modules goes into the state); the repo's own
    // modules must be imported at the top, where the serializer captures them. A relative require() inside a method
    // is serialized as a bare call and fails at deploy time ("Cannot find module '../../docker/engine'").
    it("requires no repo module by a relative path (the serialized provider could not resolve it)", () => {
        const root = path.join(__dirname, "..", "..", "components");
        const relative = /\brequire\(\s*["'](\.{1,2}\/[^"']*)["']/g;
        const found = files(root).flatMap((f) => [...fs.readFileSync(f, "utf8").matchAll(relative)].map((m) => `${path.relative(root, f)}: ${m[1]}`));
        assert.deepStrictEqual(found, []);
    });
});
