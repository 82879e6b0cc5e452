// What a team meets before any server is touched, through the CLI as a user runs it, in clones of this repo with
// backends of the test's own: the first-contact messages of a stack file with mistakes, and a shared stack whose
// secrets a teammate reads with the team's passphrase only. Nothing here needs the platform.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const REPO = path.join(__dirname, "..", "..");

/**
 * The local stack file as committed: the work tree's copy may carry the `encryptionsalt` of this machine's
 * passphrase (written by the first `up` of `local`), which a stack made with another passphrase cannot use.
 */
function localStackFile(): string {
    return fs.readFileSync(path.join(REPO, "Pulumi.local.yaml"), "utf8").replace(/^encryptionsalt:.*\n/m, "");
}

describe("first contact: a stack file with mistakes, through the CLI", function () {
    this.timeout(5 * 60 * 1000);

    it("`pulumi preview` prints every problem by its key and what was expected, and no stack trace", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-sync-bad-"));
        fs.mkdirSync(path.join(root, "backend"));
        const repo = REPO;
        const good = localStackFile();
        const bad = good.replace("address: 127.0.0.12", "address: 127.0.0.300").replace(/server: server2$/m, "server: server7");
        assert.notStrictEqual(bad, good);
        const env: Record<string, string | undefined> = { ...process.env, PULUMI_BACKEND_URL: `file://${root}/backend`, PULUMI_CONFIG_PASSPHRASE: "first-contact" };
        delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
        const r = spawnSync(
            "bash",
            ["-c", `git clone -q ${repo} r && cd r && ln -s ${repo}/node_modules node_modules && cat > Pulumi.bad.yaml && pulumi stack init bad --non-interactive >/dev/null && pulumi preview --stack bad --non-interactive --color never`],
            { cwd: root, encoding: "utf8", env, input: bad, timeout: 4 * 60 * 1000 },
        );
        const output = `${r.stdout}${r.stderr}`;
        assert.notStrictEqual(r.status, 0);
        const diagnostics = output.slice(output.indexOf("Diagnostics:"), output.indexOf("Resources:")).split("\n").map((l) => l.trim()).filter((l) => l !== "");
        assert.deepStrictEqual(diagnostics, [
            "Diagnostics:",
            "pulumi:pulumi:Stack (cdc-sync-bad):",
            "error: invalid stack configuration:",
            '- cdc-sync:servers.server2.address: expected an IPv4 address or hostname that other servers use to reach this one, got "127.0.0.300"',
            '- cdc-sync:brokers[1].server: expected one of the declared servers (server1, server2), got "server7"',
        ], output);
        assert.doesNotMatch(output, /^\s+at /m, "no stack frames");
        fs.rmSync(root, { recursive: true, force: true });
    });
});

describe("team workflow: a shared stack, its passphrase from the team's secret store", function () {
    this.timeout(10 * 60 * 1000);

    it("a teammate's clone with the committed stack file and the passphrase only previews the stack and reads its secrets; a wrong passphrase is refused", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-sync-team-"));
        const backend = path.join(root, "backend");
        fs.mkdirSync(backend);
        const passphrase = `team-${Date.now()}-${Math.random().toString(36).slice(2)}`;
        // Nothing of the machine's own: no passphrase file, a backend of the test's own.
        const env: Record<string, string | undefined> = { ...process.env, PULUMI_BACKEND_URL: `file://${backend}`, PULUMI_CONFIG_PASSPHRASE: passphrase };
        delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
        const sh = (cwd: string, cmd: string, extra: Record<string, string> = {}) => {
            const r = spawnSync("bash", ["-c", cmd], { cwd, encoding: "utf8", env: { ...env, ...extra }, timeout: 5 * 60 * 1000 });
            return { status: r.status, output: `${r.stdout}${r.stderr}` };
        };
        const repo = REPO;
        const mine = path.join(root, "mine");
        const theirs = path.join(root, "theirs");
        const git = "git -c user.name=t -c user.email=t@t";
        // Mine: the stack made and its secret set, the stack file committed as Pulumi writes it.
        const made = sh(
            root,
            `git clone -q ${repo} mine && cd mine && ln -s ${repo}/node_modules node_modules && cp Pulumi.local.yaml Pulumi.team.yaml && ` +
                `pulumi stack init team --non-interactive >/dev/null && ` +
                `pulumi config set --stack team --secret --path 'cdc-sync:connectorSecrets.shared' 'only-the-team-knows' && ` +
                `${git} add Pulumi.team.yaml && ${git} commit -qm 'the team stack'`,
        );
        assert.strictEqual(made.status, 0, made.output);
        const file = fs.readFileSync(path.join(mine, "Pulumi.team.yaml"), "utf8");
        assert.match(file, /^encryptionsalt: v1:/m, "the committed file carries the passphrase's salt");
        assert.match(file, /secure: v1:/, "and the secret only encrypted");
        assert.ok(!file.includes("only-the-team-knows"));

        // Theirs: a clone of that commit, the same backend, the passphrase from the secret store.
        const cloned = sh(root, `git clone -q ${mine} theirs && cd theirs && ln -s ${repo}/node_modules node_modules`);
        assert.strictEqual(cloned.status, 0, cloned.output);
        const read = sh(theirs, "pulumi config get --stack team --path 'cdc-sync:connectorSecrets.shared'");
        assert.strictEqual(read.status, 0, read.output);
        assert.strictEqual(read.output.trim(), "only-the-team-knows");
        const preview = sh(theirs, "pulumi preview --stack team --non-interactive --color never");
        assert.strictEqual(preview.status, 0, preview.output);
        assert.match(preview.output, /\d+ to create/);

        const wrong = sh(theirs, "pulumi config get --stack team --path 'cdc-sync:connectorSecrets.shared'", { PULUMI_CONFIG_PASSPHRASE: "not-the-passphrase" });
        assert.notStrictEqual(wrong.status, 0);
        assert.match(wrong.output, /incorrect passphrase/i);
        assert.strictEqual(sh(theirs, "git status --porcelain").output, "", "nothing in the teammate's checkout changed");
        fs.rmSync(root, { recursive: true, force: true });
    });
});

describe("team workflow: the policy pack in a pull request's preview (policy/, scripts/workflow.sh preview)", function () {
    this.timeout(10 * 60 * 1000);

    // A clone with a `staging` stack made from the local stack file (with `extra` appended to its config), previewed
    // as the pull-request step does, with the pack.
    function previewStaging(extra: string): { status: number | null; output: string } {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-sync-policy-"));
        fs.mkdirSync(path.join(root, "backend"));
        const repo = REPO;
        const env: Record<string, string | undefined> = { ...process.env, PULUMI_BACKEND_URL: `file://${root}/backend`, PULUMI_CONFIG_PASSPHRASE: "policy" };
        delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
        const stackFile = `${localStackFile()}${extra}`;
        const r = spawnSync(
            "bash",
            ["-c", `git clone -q ${repo} r && cd r && ln -s ${repo}/node_modules node_modules && cat > Pulumi.staging.yaml && pulumi stack init staging --non-interactive >/dev/null && scripts/workflow.sh preview staging`],
            { cwd: root, encoding: "utf8", env, input: stackFile, timeout: 8 * 60 * 1000 },
        );
        fs.rmSync(root, { recursive: true, force: true });
        return { status: r.status, output: `${r.stdout}${r.stderr}` };
    }

    it("a stack outside local with topics on one broker fails the preview, the policy and the topics named", () => {
        const r = previewStaging("  cdc-sync:kafka:\n    replicationFactor: 1\n");
        assert.notStrictEqual(r.status, 0, r.output);
        assert.match(r.output, /replicated-outside-local/);
        assert.match(r.output, /topic cdc-sync-connect-configs: replication factor 1; at least 2 is expected outside local stacks/);
        assert.match(r.output, /default\.replication\.factor 1; at least 2 is expected/);
    });

    it("the same stack on two replicas passes every policy", () => {
        const r = previewStaging("");
        assert.strictEqual(r.status, 0, r.output);
        assert.doesNotMatch(r.output, /mandatory|violation/i);
        // The pack ran: the CLI names the analyzer it started (a passing pack prints no "Policies:" section).
        assert.match(r.output, /using pulumi-analyzer-policy-cdcsyncnode/);
    });
});
