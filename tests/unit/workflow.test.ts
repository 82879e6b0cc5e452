// The pull-request workflow's plumbing without a stack: which environments a change touches
// (scripts/workflow.sh stacks) and the workflow file passing actionlint (scripts/actionlint.sh).
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");

describe("team workflow: the environments a change touches (scripts/workflow.sh stacks)", () => {
    // A throwaway repository with this repo's script and three stack files; each case commits one change on top.
    function repoWith(change: Record<string, string>): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-sync-wf-"));
        const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: dir, stdio: "pipe" });
        fs.mkdirSync(path.join(dir, "scripts"));
        for (const f of ["workflow.sh", "lib.sh"]) fs.copyFileSync(path.join(ROOT, "scripts", f), path.join(dir, "scripts", f));
        fs.mkdirSync(path.join(dir, "stacks"));
        for (const f of ["stacks/local.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "index.ts", "README.md"]) fs.writeFileSync(path.join(dir, f), "config: {}\n");
        git("init", "-q", "-b", "main");
        git("add", ".");
        git("commit", "-qm", "base");
        for (const [f, text] of Object.entries(change)) {
            fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
            fs.writeFileSync(path.join(dir, f), text);
        }
        git("add", ".");
        git("commit", "-qm", "change");
        return dir;
    }
    const cases: [string, Record<string, string>, string[]][] = [
        ["one environment's stack file: that environment", { "Pulumi.dev.yaml": "config: {a: 1}\n" }, ["dev"]],
        ["the program: every environment (never the machine's own local stack)", { "index.ts": "// changed\n" }, ["dev", "prod"]],
        ["only the local stack's settings: no environment", { "stacks/local.yaml": "config: {a: 1}\n" }, []],
        ["this machine's local stack file (untracked on a runner, but seen if committed by mistake): no environment", { "Pulumi.local.yaml": "config: {a: 1}\n" }, []],
        ["only docs: no environment", { "README.md": "more\n", "docs/x.md": "x\n" }, []],
    ];
    for (const [what, change, want] of cases) {
        it(what, () => {
            const dir = repoWith(change);
            const out = execFileSync(path.join(dir, "scripts", "workflow.sh"), ["stacks", "HEAD~1"], { cwd: dir, encoding: "utf8" });
            assert.deepStrictEqual(out.split("\n").filter((l) => l !== ""), want);
        });
    }
});

describe("team workflow: the workflow file (actionlint)", function () {
    this.timeout(5 * 60 * 1000);
    it("passes actionlint", () => {
        const r = spawnSync(path.join(ROOT, "scripts", "actionlint.sh"), [], { encoding: "utf8" });
        assert.strictEqual(r.status, 0, `${r.stdout}${r.stderr}`);
    });
    it("and actionlint does refuse a broken one (an expression on an unknown context)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-sync-al-"));
        const broken = fs.readFileSync(path.join(ROOT, ".github", "workflows", "stacks.yml"), "utf8").replace("${{ matrix.stack }}", "${{ matrixx.stack }}");
        fs.writeFileSync(path.join(dir, "stacks.yml"), broken);
        const r = spawnSync(path.join(ROOT, "scripts", "actionlint.sh"), ["-config-file", path.join(ROOT, ".github", "actionlint.yaml"), path.join(dir, "stacks.yml")], { encoding: "utf8" });
        assert.notStrictEqual(r.status, 0);
        assert.match(r.stdout, /matrixx/);
    });
});

describe("team workflow: the drift check's verdict from what `pulumi preview` printed (scripts/workflow.sh drift)", () => {
    // A stand-in `pulumi` on PATH printing what the real CLI (v3.259, --diff) printed in CI and exiting as it did.
    function driftWith(printed: string, status: number) {
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-sync-drift-"));
        fs.writeFileSync(path.join(bin, "printed.txt"), printed);
        fs.writeFileSync(path.join(bin, "pulumi"), `#!/usr/bin/env bash\ncat "${bin}/printed.txt"\nexit ${status}\n`, { mode: 0o755 });
        const r = spawnSync(path.join(ROOT, "scripts", "workflow.sh"), ["drift", "prod"], { encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
        return { status: r.status, output: `${r.stdout}${r.stderr}` };
    }
    const drifted = [
        "Previewing update (prod):",
        "  pulumi:pulumi:Stack: (same)",
        "    [urn=urn:pulumi:prod::cdc-sync::pulumi:pulumi:Stack::cdc-sync-prod]",
        "    ~ pulumi-nodejs:dynamic/connect:Connector: (update)",
        "        [id=twoway-db1-to-db2-sink]",
        "        [urn=urn:pulumi:prod::cdc-sync::cdc-sync:pipelines:TwoWayPostgres$pulumi-nodejs:dynamic/connect:Connector::twoway-db1-to-db2-sink]",
        '      - batch.size                             : "507"',
        "Resources:",
        "    ~ 1 to update",
        "    78 unchanged",
        "error: no changes were expected for preview but changes were proposed",
        "",
    ].join("\n");
    it("a proposed change: exit 2, the resource and its step named", () => {
        const r = driftWith(drifted, 255);
        assert.strictEqual(r.status, 2, r.output);
        assert.match(r.output, /DRIFT: prod differs from its declaration: twoway-db1-to-db2-sink \(update\)\./);
    });
    it("the preview failing for another reason: exit 1, said so", () => {
        const r = driftWith("error: failed to decrypt encrypted configuration value 'cdc-sync:passwords': incorrect passphrase\n", 255);
        assert.strictEqual(r.status, 1, r.output);
        assert.match(r.output, /the drift check of prod could not run/);
    });
    it("nothing proposed: exit 0", () => {
        const r = driftWith("Resources:\n    79 unchanged\n", 0);
        assert.strictEqual(r.status, 0, r.output);
        assert.match(r.output, /no drift: prod matches its declaration/);
    });
});
