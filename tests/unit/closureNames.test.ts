// Dynamic providers are serialized with the functions they call. Pulumi's closure serializer treats a name
// that is also a global of the running process as that global and does not capture it; under mocha (which
// defines `run`, `describe`, `it`, ...) an inline test stack's provider then fails with "run is not
// defined". This keeps module-level functions in components/ clear of those names.
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
});
