// scripts/local-stacks.sh: this machine's stack files written from the tracked stacks/, Pulumi's salt kept, and
// nothing set on this machine overwritten. Each case runs the script in a scratch directory.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const SCRIPT = path.join(__dirname, "..", "..", "scripts", "local-stacks.sh");
const V1 = "config:\n  cdc-sync:heap: 1g\n";
const V2 = "config:\n  cdc-sync:heap: 2g\n";
const SALT = "encryptionsalt: v1:c2FsdA==:v1:abc:def\n";

/** Runs the script over a directory holding stacks/local.yaml = `template` and, if given, Pulumi.local.yaml = `file`. */
function run(template: string, file?: (written: (t: string) => string) => string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-sync-ls-"));
    fs.mkdirSync(path.join(dir, "stacks"));
    const stackFile = path.join(dir, "Pulumi.local.yaml");
    const once = () => spawnSync(SCRIPT, [dir], { encoding: "utf8" });
    /** What the script writes for template `t` (run on its own). */
    const written = (t: string) => {
        fs.writeFileSync(path.join(dir, "stacks", "local.yaml"), t);
        fs.rmSync(stackFile, { force: true });
        assert.strictEqual(once().status, 0);
        return fs.readFileSync(stackFile, "utf8");
    };
    const before = file?.(written);
    if (before === undefined) fs.rmSync(stackFile, { force: true });
    else fs.writeFileSync(stackFile, before);
    fs.writeFileSync(path.join(dir, "stacks", "local.yaml"), template);
    const r = once();
    assert.strictEqual(r.status, 0, r.stderr);
    const after = fs.readFileSync(stackFile, "utf8");
    fs.rmSync(dir, { recursive: true, force: true });
    return { before, after, stderr: r.stderr };
}

/** The settings in a stack file: without the script's mark and Pulumi's salt. */
const settings = (text: string) => text.replace(/^# cdc-sync: written .*\n/m, "").replace(/^encryptionsalt: .*\n/m, "");

describe("scripts/local-stacks.sh: this machine's stack files from stacks/", () => {
    it("writes Pulumi.local.yaml from stacks/local.yaml, marked as this machine's copy", () => {
        const { after } = run(V1);
        assert.strictEqual(settings(after), V1);
        assert.match(after.split("\n")[0], /^# cdc-sync: written by scripts\/setup.sh from stacks\/local.yaml, digest [0-9a-f]{16}: edit that file/);
    });

    const cases: [string, (w: (t: string) => string) => string, string, (r: ReturnType<typeof run>) => void][] = [
        ["leaves an up-to-date file with Pulumi's salt exactly as it is", (w) => w(V1) + SALT, V1, (r) => assert.strictEqual(r.after, r.before)],
        [
            "writes the new settings after a pull, keeping Pulumi's salt",
            (w) => w(V1) + SALT,
            V2,
            (r) => {
                assert.strictEqual(settings(r.after), V2);
                assert.ok(r.after.endsWith(SALT), r.after);
                assert.strictEqual(r.stderr, "");
            },
        ],
        [
            "leaves a file changed on this machine (pulumi config set) alone, and shows what differs",
            (w) => w(V1).replace("1g", "3g") + SALT,
            V2,
            (r) => {
                assert.strictEqual(r.after, r.before);
                assert.match(r.stderr, /Pulumi.local.yaml was changed on this machine .* left as it is/);
                assert.match(r.stderr, /^  -  cdc-sync:heap: 3g$/m);
                assert.match(r.stderr, /^  \+  cdc-sync:heap: 2g$/m);
            },
        ],
        ["says nothing about a changed file while stacks/ has not changed", (w) => w(V1).replace("1g", "3g"), V1, (r) => assert.deepStrictEqual([r.after, r.stderr], [r.before, ""])],
    ];
    for (const [what, before, template, check] of cases) it(what, () => check(run(template, before)));
});
