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
 * The local stack's settings as committed (stacks/local.yaml). The work tree's Pulumi.local.yaml is this machine's:
 * it carries the `encryptionsalt` of this machine's passphrase, and while the integration tests run, what they set.
 */
function localStackFile(): string {
    const r = spawnSync("git", ["show", "HEAD:stacks/local.yaml"], { cwd: REPO, encoding: "utf8" });
    assert.strictEqual(r.status, 0, r.stderr);
    return r.stdout;
}

/**
 * A scratch directory with a Pulumi backend of its own, and a shell in it whose CLI uses that backend and
 * `passphrase` alone (nothing of the machine's own: no passphrase file). `remove` deletes it all.
 */
function scratch(prefix: string, passphrase: string) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fs.mkdirSync(path.join(root, "backend"));
    const env: Record<string, string | undefined> = { ...process.env, PULUMI_BACKEND_URL: `file://${root}/backend`, PULUMI_CONFIG_PASSPHRASE: passphrase };
    delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
    /** Runs `cmd` in `dir` (relative to the scratch directory), `input` on its stdin. */
    const sh = (dir: string, cmd: string, opts: { input?: string; env?: Record<string, string> } = {}) => {
        const r = spawnSync("bash", ["-c", cmd], { cwd: path.join(root, dir), encoding: "utf8", env: { ...env, ...opts.env }, input: opts.input, timeout: 5 * 60 * 1000 });
        return { status: r.status, output: `${r.stdout}${r.stderr}` };
    };
    return { root, sh, remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/** A clone of this repository in DIR using its node_modules, as a teammate's checkout (shell text). */
const cloneAs = (dir: string, from = REPO) => `git clone -q ${from} ${dir} && ln -s ${REPO}/node_modules ${dir}/node_modules`;

describe("first contact: a stack file with mistakes, through the CLI", function () {
    this.timeout(5 * 60 * 1000);

    it("`pulumi preview` prints every problem by its key and what was expected, and no stack trace", () => {
        const dir = scratch("cdc-sync-bad-", "first-contact");
        const good = localStackFile();
        const bad = good.replace("address: 127.0.0.12", "address: 127.0.0.300").replace(/server: server2$/m, "server: server7");
        assert.notStrictEqual(bad, good);
        const r = dir.sh(".", `${cloneAs("r")} && cd r && cat > Pulumi.bad.yaml && pulumi stack init bad --non-interactive >/dev/null && pulumi preview --stack bad --non-interactive --color never`, { input: bad });
        const output = r.output;
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
        dir.remove();
    });
});

describe("team workflow: a shared stack, its passphrase from the team's secret store", function () {
    this.timeout(10 * 60 * 1000);

    it("a teammate's clone with the committed stack file and the passphrase only previews the stack and reads its secrets; a wrong passphrase is refused", () => {
        const dir = scratch("cdc-sync-team-", `team-${Date.now()}-${Math.random().toString(36).slice(2)}`);
        const git = "git -c user.name=t -c user.email=t@t";
        // Mine: the stack made and its secret set, the stack file committed as Pulumi writes it.
        const made = dir.sh(
            ".",
            `${cloneAs("mine")} && cd mine && cp stacks/local.yaml Pulumi.team.yaml && ` +
                `pulumi stack init team --non-interactive >/dev/null && ` +
                `pulumi config set --stack team --secret --path 'cdc-sync:connectorSecrets.shared' 'only-the-team-knows' && ` +
                `${git} add Pulumi.team.yaml && ${git} commit -qm 'the team stack'`,
        );
        assert.strictEqual(made.status, 0, made.output);
        const file = fs.readFileSync(path.join(dir.root, "mine", "Pulumi.team.yaml"), "utf8");
        assert.match(file, /^encryptionsalt: v1:/m, "the committed file carries the passphrase's salt");
        assert.match(file, /secure: v1:/, "and the secret only encrypted");
        assert.ok(!file.includes("only-the-team-knows"));

        // Theirs: a clone of that commit, the same backend, the passphrase from the secret store.
        const cloned = dir.sh(".", cloneAs("theirs", path.join(dir.root, "mine")));
        assert.strictEqual(cloned.status, 0, cloned.output);
        const read = dir.sh("theirs", "pulumi config get --stack team --path 'cdc-sync:connectorSecrets.shared'");
        assert.strictEqual(read.status, 0, read.output);
        assert.strictEqual(read.output.trim(), "only-the-team-knows");
        const preview = dir.sh("theirs", "pulumi preview --stack team --non-interactive --color never");
        assert.strictEqual(preview.status, 0, preview.output);
        assert.match(preview.output, /\d+ to create/);

        const wrong = dir.sh("theirs", "pulumi config get --stack team --path 'cdc-sync:connectorSecrets.shared'", { env: { PULUMI_CONFIG_PASSPHRASE: "not-the-passphrase" } });
        assert.notStrictEqual(wrong.status, 0);
        assert.match(wrong.output, /incorrect passphrase/i);
        assert.strictEqual(dir.sh("theirs", "git status --porcelain").output, "", "nothing in the teammate's checkout changed");
        dir.remove();
    });
});

describe("team workflow: the policy pack in a pull request's preview (policy/, scripts/workflow.sh preview)", function () {
    this.timeout(10 * 60 * 1000);

    // A clone with a `staging` stack made from the local stack file (with `extra` appended to its config), previewed
    // as the pull-request step does, with the pack.
    function previewStaging(extra: string): { status: number | null; output: string } {
        const dir = scratch("cdc-sync-policy-", "policy");
        const r = dir.sh(".", `${cloneAs("r")} && cd r && cat > Pulumi.staging.yaml && pulumi stack init staging --non-interactive >/dev/null && scripts/workflow.sh preview staging`, {
            input: `${localStackFile()}${extra}`,
        });
        dir.remove();
        return r;
    }

    it("a stack outside local with topics on one broker fails the preview, the policy and the topics named", () => {
        const r = previewStaging("  cdc-sync:kafka:\n    replicationFactor: 1\n");
        assert.notStrictEqual(r.status, 0, r.output);
        assert.match(r.output, /replicated-outside-local/);
        assert.match(r.output, /topic cdc-sync-connect-configs: replication factor 1; at least 2 is expected outside local stacks/);
        assert.match(r.output, /default\.replication\.factor 1; at least 2 is expected/);
    });
    // A stack outside local that keeps every rule passes it: the library's test below (a `dev` stack on two replicas).
});

describe("a team's own program on cdc-sync the library (scripts/pack.sh, examples/team-program)", function () {
    this.timeout(10 * 60 * 1000);

    // The example as a team has it: its own directory, cdc-sync installed from the packed tarball (nothing of this
    // repository's sources or node_modules), compiled, a `dev` stack on this machine's engine.
    const devStack = [
        "config:",
        "  team-program:servers:",
        "    east: { engine: local, address: 127.0.0.21 }",
        "    west: { engine: local, address: 127.0.0.22 }",
        "  team-program:orders:",
        "    host: 127.0.0.23",
        "    warehouseUrl: jdbc:postgresql://127.0.0.24:5432/warehouse",
        "",
    ].join("\n");
    let dir: ReturnType<typeof scratch>;
    let stackFile: string;
    before(() => {
        dir = scratch("cdc-sync-library-", "library");
        fs.cpSync(path.join(REPO, "examples", "team-program"), path.join(dir.root, "prog"), { recursive: true });
        stackFile = path.join(dir.root, "prog", "Pulumi.dev.yaml");
        fs.writeFileSync(stackFile, devStack);
        const built = dir.sh(
            ".",
            `tarball="$(${REPO}/scripts/pack.sh "$PWD")" && cd prog && npm install --no-audit --no-fund --loglevel error "$tarball" && npx tsc && ` +
                `pulumi stack init dev --non-interactive >/dev/null && ` +
                `pulumi config set --secret --path 'connectorSecrets.orders-db' o-pw && pulumi config set --secret --path 'connectorSecrets.warehouse-db' w-pw`,
        );
        assert.strictEqual(built.status, 0, built.output);
    });
    after(() => dir?.remove());

    it("previews the platform and the team's own connectors, the policy pack passing them", () => {
        const r = dir.sh("prog", `PATH="${REPO}/policy:$PATH" pulumi preview --policy-pack ${REPO}/policy --non-interactive --color never`);
        assert.strictEqual(r.status, 0, r.output);
        for (const resource of ["dynamic/docker:Container kafka-broker-2", "dynamic/connect:PostgresSource orders-source", "dynamic/connect:JdbcSink orders-to-warehouse"]) {
            assert.ok(r.output.includes(`${resource} create`), `${resource} not previewed:\n${r.output}`);
        }
        assert.match(r.output, /bootstrapServers: "127\.0\.0\.21:9092,127\.0\.0\.22:9092"/);
        assert.doesNotMatch(r.output, /mandatory|violation/i);
        // The pack ran: the CLI names the analyzer it started (a passing pack prints no "Policies:" section).
        assert.match(r.output, /using pulumi-analyzer-policy-cdcsyncnode/);
    });

    it("a mistake in the config written in code fails the preview with the stack file's message, by key", () => {
        // The stack file as the team has it (its secrets set), one address mistyped.
        fs.writeFileSync(stackFile, fs.readFileSync(stackFile, "utf8").replace("127.0.0.22", "127.0.0.300"));
        const r = dir.sh("prog", "pulumi preview --non-interactive --color never");
        assert.notStrictEqual(r.status, 0, r.output);
        assert.match(r.output, /servers\.west\.address: expected an IPv4 address or hostname that other servers use to reach this one, got "127\.0\.0\.300"/);
        assert.doesNotMatch(r.output, /^\s+at /m, "no stack frames");
    });
});
