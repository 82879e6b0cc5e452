// The integration suite's platform: importing this module registers root-level hooks (once, by module
// caching) that bring the platform stack up before every integration test file and destroy it after
// them, with the engine checked for leftovers. Test files read it through `platform()`.
// CDC_SYNC_ITEST_STACK picks another stack file of the repo (default: the `local` stack).
// Test files that need connector secrets on the workers ask for them with requestConnectorSecrets.
import { ImageBuilds } from "../../components/docker/builds";
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { EngineEvent, LocalWorkspace, OutputMap } from "@pulumi/pulumi/automation";
import axios from "axios";
import type { RestAuth } from "../../components/connectors/rest";
import { PasswordSet } from "../../components/secrets/passwords";
import { passwordNeeds, StackConfig } from "../../components/stack/load";
import { buildPipelines } from "../../components/stack/program";
import { stackFile } from "../stackFiles";
import { execIn, openInlineStack, openStack, ownedByStack, REPO_ROOT, TestStack } from "./harness";
import { LoadResult, PgServer, TwoWayWriteLoad } from "./writeLoad";

export interface Platform {
    readonly stackName: string;
    readonly test: TestStack;
    readonly outputs: OutputMap;
    readonly bootstrapServers: string[];
    /** The default Connect cluster's workers. */
    readonly connectUrls: string[];
    /** Every Connect cluster's workers, by cluster name (`default` among them). */
    readonly connectClusters: Readonly<Record<string, string[]>>;
    /** The Connect REST API's credentials (the stack's secret output `connectRestAuth`). */
    readonly connectAuth: RestAuth;
}

/**
 * Makes every request the suite sends with axios carry the stack's Connect REST credentials (HTTP Basic), as the
 * provider's do: the workers answer 401 without them (docs/security.md). Sending them to a server that does not ask
 * (a supervisor's page, a metrics endpoint) changes nothing; a test that must go without builds its own request.
 */
function useConnectAuth(outputs: OutputMap): RestAuth {
    const auth = outputs.connectRestAuth?.value as RestAuth | undefined;
    if (!auth?.username || !auth.password) throw new Error("the stack has no connectRestAuth output: its Connect REST API has no credentials");
    axios.defaults.auth = auth;
    return auth;
}

let opened: { test: TestStack; stackName: string } | undefined;

/**
 * The tracked files the work tree changes (`git status`, untracked files aside). A run must leave them as it found
 * them: Pulumi's salt for this machine's passphrase goes into the untracked stack file (scripts/local-stacks.sh),
 * and whatever a test sets in it is undone.
 */
const trackedChanges = () => execFileSync("git", ["-C", REPO_ROOT, "status", "--porcelain", "--untracked-files=no"], { encoding: "utf8" });
const trackedBefore = trackedChanges();

/**
 * The last commit of the layout before `cdc-sync:pipelines` and `cdc-sync:databases`. The `local` stack is first
 * deployed by that code from its own stack file, then previewed by this code: what a user upgrading sees.
 */
export const PREVIOUS_LAYOUT = "1bd06125a715e64d71b7f680cd0c734b18f54baa";

/** One step of the preview of this code over a stack the previous layout deployed. */
export interface MigrationStep {
    readonly op: string;
    readonly urn: string;
    /** What the provider said differs (for an update or replace). */
    readonly diffs: readonly string[];
    /** What the provider said the update does, in words (components/dynamic/effect.ts). */
    readonly effect?: string;
}

/** A preview's summary (as the CLI prints it) and every step other than `same`. */
export interface PreviewSteps {
    readonly summary: Record<string, number>;
    readonly steps: MigrationStep[];
}

/**
 * What the migration preview showed: its summary (as the CLI prints it) and every step other than `same`; and what
 * the no-loss checker found after the upgrade's `up`, which ran under a write load on both sides of the pair.
 */
export type Migration =
    | (PreviewSteps & {
          /** The preview after the upgrade's `up`: what it held back for one more `up` (components/docker/steps.ts), which the root hook then ran. */
          next?: PreviewSteps;
          load?: LoadResult & { notRunning: string[] };
      })
    | { skipped: string };

let migrated: Migration = { skipped: "the platform fixture did not run" };

/** What the migration preview showed; only valid inside integration tests. */
export function migration(): Migration {
    return migrated;
}

/** Deploys the stack with the code and stack file of PREVIOUS_LAYOUT, in the same backend as `test`. */
async function deployPreviousLayout(test: TestStack, stackName: string): Promise<boolean> {
    try {
        execFileSync("git", ["-C", REPO_ROOT, "cat-file", "-e", `${PREVIOUS_LAYOUT}^{commit}`], { stdio: "ignore" });
    } catch {
        migrated = { skipped: `commit ${PREVIOUS_LAYOUT} is not in this clone (a shallow clone?)` };
        return false;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-sync-previous-"));
    execFileSync("bash", ["-c", `git -C "${REPO_ROOT}" archive ${PREVIOUS_LAYOUT} | tar -x -C "${dir}"`]);
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"));
    try {
        const old = await LocalWorkspace.createOrSelectStack({ stackName, workDir: dir }, { envVars: test.stack.workspace.envVars });
        const up = await old.up({ onOutput: test.log });
        assert.strictEqual(up.summary.result, "succeeded", `up of the previous layout failed; see ${test.logFile}`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    return true;
}

/** The server of the stack's two-way pair (the one the previous layout ran as `twoway-postgres`) and its databases. */
export async function pairServer(stackName: string): Promise<{ server: PgServer; databases: [string, string] }> {
    const values = stackFile(stackName).values;
    const pg = (JSON.parse(values.databases!) as Record<string, { server: string; port?: number }>)["twoway-postgres"];
    const pair = (JSON.parse(values.pipelines!) as { databases: [string, string] }[])[0];
    const host = (JSON.parse(values.servers!) as Record<string, { address: string }>)[pg.server].address;
    const password = (await execIn(`cdc-sync-${stackName}-twoway-postgres`, ["cat", "/etc/cdc-sync/secrets/postgres-password"])).trim();
    return { server: { host, port: pg.port ?? 5432, password }, databases: pair.databases };
}

/** Writers on both databases of the stack's two-way pair (or on `sides`), on `table` (default `customers`) from key `base` up. */
export async function startPairLoad(stackName: string, table?: string, base?: number, sides?: readonly number[]): Promise<TwoWayWriteLoad> {
    const { server, databases } = await pairServer(stackName);
    return TwoWayWriteLoad.start(server, databases, table, base, sides);
}

/** `cdc-sync:pipelines` as the suite's stack file has it now, JSON-parsed. */
export function pipelinesConfig(): Record<string, any>[] {
    return JSON.parse(stackFile(platform().stackName).values.pipelines!);
}

/** The two-way pairs' connectors and tasks that are not RUNNING, as the default Connect cluster reports them. */
export async function notRunning(outputs: OutputMap): Promise<string[]> {
    const axios = (await import("axios")).default;
    const url = (outputs.placement.value.connectWorkers as { url: string }[])[0].url;
    const pairs = Object.values(outputs.pipelines.value as Record<string, { kind: string; directions?: { source: string; sink: string }[] }>);
    const names = pairs.filter((p) => p.kind === "twoWayPostgres").flatMap((p) => p.directions!.flatMap((d) => [d.source, d.sink]));
    const out: string[] = [];
    for (const n of names) {
        const { data } = await axios.get(`${url}/connectors/${n}/status`);
        for (const s of [data.connector.state, ...data.tasks.map((t: { state: string }) => t.state)]) if (s !== "RUNNING") out.push(`${n}: ${s}`);
    }
    return out;
}

/** Previews this code over the stack and keeps every step that is not `same`. */
async function previewSteps(test: TestStack): Promise<PreviewSteps> {
    const steps: MigrationStep[] = [];
    const onEvent = (e: EngineEvent) => {
        const m = e.resourcePreEvent?.metadata;
        const effect = m?.new?.inputs?.effect;
        if (m && m.op !== "same") steps.push({ op: m.op, urn: m.urn, diffs: m.diffs ?? [], ...(typeof effect === "string" ? { effect } : {}) });
    };
    const preview = await test.stack.preview({ onOutput: test.log, onEvent });
    return { summary: { ...preview.changeSummary }, steps };
}
let current: Platform | undefined;

/** Connector secrets test files asked for: name -> value. */
const connectorSecrets: Record<string, string> = {};

/**
 * Has the platform's Connect workers hold these connector secrets (`cdc-sync:connectorSecrets.<name>`). Call
 * it when the test file loads, before the root hook runs. They are set as secret config of the stack for the
 * run only and removed after it; without a request the platform comes up exactly as its stack file says.
 */
export function requestConnectorSecrets(secrets: Readonly<Record<string, string>>): void {
    Object.assign(connectorSecrets, secrets);
}

const SECRETS_KEY = "cdc-sync:connectorSecrets";
/** Where the requested secrets were set, and whether the stack file had secrets of its own before. */
let secretsSet: { test: TestStack; stackHadSecrets: boolean } | undefined;

async function setRequestedSecrets(test: TestStack, stackName: string): Promise<void> {
    if (Object.keys(connectorSecrets).length === 0) return;
    const existing = await test.stack.getAllConfig();
    const own: Record<string, string> = SECRETS_KEY in existing ? JSON.parse(existing[SECRETS_KEY].value) : {};
    const clash = Object.keys(connectorSecrets).filter((n) => n in own);
    // Never overwrite (and later remove) a secret the stack file holds.
    if (clash.length > 0) {
        throw new Error(
            `Pulumi.${stackName}.yaml already sets ${SECRETS_KEY}.${clash.join(", ")}, which a test asked to set ` +
                `(left by an interrupted run? delete Pulumi.${stackName}.yaml: scripts/local-stacks.sh writes it again from stacks/)`,
        );
    }
    secretsSet = { test, stackHadSecrets: SECRETS_KEY in existing };
    for (const [name, value] of Object.entries(connectorSecrets)) {
        await test.stack.setConfig(`${SECRETS_KEY}.${name}`, { value, secret: true }, true);
    }
}

async function removeRequestedSecrets(): Promise<void> {
    if (!secretsSet) return;
    const { test, stackHadSecrets } = secretsSet;
    secretsSet = undefined;
    if (!stackHadSecrets) await test.stack.removeConfig(SECRETS_KEY);
    else for (const name of Object.keys(connectorSecrets)) await test.stack.removeConfig(`${SECRETS_KEY}.${name}`, true);
}

/**
 * The suite's stack file as the run found it (Pulumi's salt in it): restored after the destroy, so whatever the run
 * set there (the requested secrets, the day-2 tests' config) never outlives it. A left-over secret would fail the next
 * run, and scripts/local-stacks.sh would no longer refresh the file from stacks/, which it takes as changed by hand.
 */
let stackFileBefore: { file: string; text: string } | undefined;

/**
 * Sets `cdc-sync:<key>` of the suite's stack (the platform's own config) to `value`, for the rest of the run: the
 * stack file is restored once the stack is destroyed. Only for the day-2 tests, which run last (package.json).
 */
export async function setPlatformConfig(key: string, value: unknown): Promise<void> {
    await platform().test.stack.setConfig(`cdc-sync:${key}`, { value: JSON.stringify(value) }, false);
}

/** Sets the secret `cdc-sync:<path>` (e.g. `passwords.db2-sink`) of the suite's stack, like setPlatformConfig. */
export async function setPlatformSecret(keyPath: string, value: string): Promise<void> {
    await platform().test.stack.setConfig(`cdc-sync:${keyPath}`, { value, secret: true }, true);
}

/** The platform keys of the suite's stack file (servers, ZooKeeper, brokers, Kafka, Connect, heap), JSON-parsed. */
export function platformKeys(): Record<string, unknown> {
    const base = stackFile(platform().stackName);
    const keys = ["servers", "zookeeper", "brokers", "kafka", "connect", "heap"].filter((k) => base.values[k] !== undefined);
    return Object.fromEntries(keys.map((k) => [k, JSON.parse(base.values[k]!)]));
}

/**
 * A stack beside the platform's with `cfg`'s database servers and pipelines, built on the suite's platform by what
 * index.ts runs (buildPipelines). `pins` are its passwords; the connectors' must be requested for the workers too.
 */
export function openPipelinesStack(stack: string, cfg: StackConfig, pins: Record<string, string>): Promise<TestStack> {
    const p = platform();
    return openInlineStack(p.test, stack, async () => {
        const needs = passwordNeeds(cfg);
        const passwords = new PasswordSet("pw", { names: [...needs.names], overrides: pulumi.secret(pins) });
        const built = buildPipelines(cfg, {
            stack,
            servers: cfg.servers,
            images: new ImageBuilds(cfg.images?.build),
            passwords,
            connect: (cluster) => ({ urls: p.connectClusters[cluster], auth: pulumi.secret(p.connectAuth), knownSecrets: [...cfg.connectorSecretNames, ...needs.forConnect] }),
            bootstrapServers: p.bootstrapServers.join(","),
            replicationFactor: cfg.kafka.replicationFactor,
            dependsOn: [],
        });
        return {
            pipelines: Object.fromEntries(built.pipelines.map(([name, b]) => [name, b.outputs])),
            connectors: Object.fromEntries(built.connectors.map((k) => [k.connectorName, { state: k.state }])),
        };
    });
}

/** The deployed platform; only valid inside integration tests. */
export function platform(): Platform {
    if (!current) throw new Error("the platform fixture did not come up (see the root hook's error above)");
    return current;
}

/**
 * Whether this run turned exactly-once sources off (CDC_SYNC_ITEST_EXACTLY_ONCE=false: `scripts/faults.sh
 * --without-exactly-once`, for the duplicate counts without them). The suite's stack file is changed for the run only.
 */
export function exactlyOnceOff(): boolean {
    return process.env.CDC_SYNC_ITEST_EXACTLY_ONCE === "false";
}

before(async function () {
    this.timeout(30 * 60 * 1000);
    const stackName = process.env.CDC_SYNC_ITEST_STACK ?? "local";
    const test = await openStack(stackName);
    opened = { test, stackName };
    const file = path.join(REPO_ROOT, `Pulumi.${stackName}.yaml`);
    stackFileBefore = { file, text: fs.readFileSync(file, "utf8") };
    let load: TwoWayWriteLoad | undefined;
    const withoutExactlyOnce = async () => {
        if (!exactlyOnceOff()) return;
        const connect = JSON.parse(stackFile(stackName).values.connect ?? "{}");
        await test.stack.setConfig("cdc-sync:connect", { value: JSON.stringify({ ...connect, exactlyOnce: false }) }, false);
    };
    // The previous layout deploys from its own checkout's stack file: only this code's up sees the change.
    await withoutExactlyOnce();
    if (stackName !== "local") migrated = { skipped: `the migration is tried on the local stack, not ${stackName}` };
    else if (await deployPreviousLayout(test, stackName)) {
        migrated = await previewSteps(test);
        load = await startPairLoad(stackName);
    }
    await setRequestedSecrets(test, stackName);
    const upOnce = async () => {
        try {
            const done = await test.stack.up({ onOutput: test.log });
            assert.strictEqual(done.summary.result, "succeeded", `up failed; see ${test.logFile}`);
            useConnectAuth(done.outputs);
            return done;
        } catch (e) {
            // Whatever failed, the up or a check after it: the load's writers would otherwise go on, outlive the
            // destroy by their reconnection attempts, and keep the suite's process from ever ending.
            await load?.abandon();
            throw e;
        }
    };
    let up = await upOnce();
    if (load && "steps" in migrated && !exactlyOnceOff()) {
        // The upgrade held the workers' exactly-once support at `preparing` (components/docker/steps.ts): the next
        // up, still under the load, enables it, as a user's next up would.
        migrated.next = await previewSteps(test);
        up = await upOnce();
    }
    if (load && "steps" in migrated) migrated.load = { ...(await load.stopAndCheck()), notRunning: await notRunning(up.outputs) };
    current = {
        stackName,
        test,
        outputs: up.outputs,
        bootstrapServers: (up.outputs.bootstrapServers.value as string).split(","),
        connectUrls: (up.outputs.placement.value.connectWorkers as { url: string }[]).map((w) => w.url),
        connectClusters: Object.fromEntries(
            Object.entries(up.outputs.placement.value.connectClusters as Record<string, { url: string }[]>).map(([k, ws]) => [k, ws.map((w) => w.url)]),
        ),
        connectAuth: useConnectAuth(up.outputs),
    };
});

// Also after a failed `up`: whatever it created is destroyed, so a failed run leaves nothing running.
after(async function () {
    this.timeout(10 * 60 * 1000);
    if (!opened) return removeRequestedSecrets();
    const { test, stackName } = opened;
    opened = current = undefined;
    try {
        await test.stack.destroy({ onOutput: test.log });
    } finally {
        await removeRequestedSecrets();
        if (stackFileBefore) fs.writeFileSync(stackFileBefore.file, stackFileBefore.text);
        stackFileBefore = undefined;
    }
    assert.deepStrictEqual(await ownedByStack(stackName), { containers: [], volumes: [], networks: [] }, "destroy left things behind");
    assert.strictEqual(trackedChanges(), trackedBefore, "the run changed tracked files of the repository (git status before, then after)");
});
