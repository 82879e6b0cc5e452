// Reads and validates the whole stack config once, before any resource exists: the platform, the database
// servers, and each declared pipeline through its kind (components/pipelines/registry.ts). Pure: raw config
// strings and the set of keys Pulumi holds as secrets in, a typed StackConfig out, or a ConfigError listing
// every problem, each naming its full key and what was expected.
import { Allowances, loadAllowances } from "./allow";
import { Bind, Checker, ConfigError, NAME, NAMESPACE, parseJson } from "../config/checker";
import { checkPortClashes, loadPlatform, loadSecretMapNames } from "../config/platform";
import { ConnectSpec, PlatformConfig } from "../config/schema";
import { loadRawConnectors, RawConnectorSpec, rawSinkDialect } from "../connectors/config";
import { DatabaseServerSpec, loadDatabases, unpinnedAdminPasswords } from "../databases/config";
import { DeclaredPipeline, LoadContext, PasswordNeeds, SinkDialect } from "../pipelines/kind";
import { PIPELINE_KINDS, pipelineKind } from "../pipelines/registry";
import { LEGACY_KEYS, loadLegacy } from "./legacy";

/** Every key this program reads; anything else under the namespace is a typo and is rejected. */
export const KNOWN_KEYS = [
    "servers",
    "zookeeper",
    "brokers",
    "kafka",
    "connect",
    "heap",
    "images",
    "connectorSecrets",
    "passwords",
    "databases",
    "pipelines",
    "connectors",
    "allowDestructive",
    ...LEGACY_KEYS,
] as const;

/** Keys whose values must be stored with `pulumi config set --secret`. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(["connectorSecrets", "passwords"]);

/** Raw input: config key (without namespace) -> the string Pulumi stores, plus which keys are secret. */
export interface RawConfig {
    readonly values: Readonly<Record<string, string | undefined>>;
    readonly secretKeys: ReadonlySet<string>;
}

export interface StackConfig extends PlatformConfig {
    /** `cdc-sync:databases` (and servers the deprecated keys declare). */
    readonly databases: readonly DatabaseServerSpec[];
    /** `cdc-sync:pipelines` (and the deprecated keys, read as one pipeline each), in declaration order. */
    readonly pipelines: readonly DeclaredPipeline[];
    /** `cdc-sync:connectors`: connectors declared as they are, beside the pipelines'. */
    readonly connectors: readonly RawConnectorSpec[];
    /**
     * Named secrets written to each Connect worker's secrets file, for connectors to reference through
     * the file config provider as `${file:<path>:<name>}`. Always a Pulumi secret.
     */
    readonly connectorSecretNames: readonly string[];
    /** Passwords the operator pinned (`cdc-sync:passwords`, a secret): names only, the values stay secret. */
    readonly passwordNames: readonly string[];
    /** `cdc-sync:allowDestructive`: the consequences accepted for this `up`, by resource name (./allow.ts). */
    readonly allowDestructive: Allowances;
    /** Said once per run, not errors (deprecated keys and what replaces them). */
    readonly warnings: readonly string[];
}

/** The passwords every declared pipeline and database server needs, merged. */
export function passwordNeeds(cfg: Pick<StackConfig, "databases" | "pipelines">): PasswordNeeds {
    const needs = cfg.pipelines.map((p) => pipelineKind(p.kind)!.passwords(p.name, p.spec));
    const admins = cfg.databases.flatMap((d) => (d.engine === "mongodb" && d.kind === "adopt" ? [] : [d.adminPassword]));
    const uniq = (xs: string[]) => [...new Set(xs)];
    return {
        names: uniq([...admins, ...needs.flatMap((n) => n.names)]),
        forConnect: uniq(needs.flatMap((n) => n.forConnect)),
        pinned: uniq([...cfg.databases.flatMap(unpinnedAdminPasswords), ...needs.flatMap((n) => n.pinned)]),
    };
}

/** An entry of `cdc-sync:pipelines` before its kind reads its own fields. */
interface Entry {
    readonly key: string;
    readonly name?: string;
    readonly kind?: string;
    readonly connect: string;
    readonly fields: Record<string, unknown>;
    readonly at?: (path: string) => string;
}

function loadEntries(c: Checker, v: unknown, clusters: readonly string[]): Entry[] {
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
        c.fail("pipelines", "a list of pipelines, each { name, kind, ... }", v);
        return [];
    }
    return v.flatMap((e, i) => {
        const key = `pipelines[${i}]`;
        const o = c.object(key, e);
        if (!o) return [];
        const { name, kind, connect, ...fields } = o;
        const known = PIPELINE_KINDS.find((k) => k.kind === kind);
        if (!known) c.fail(`${key}.kind`, `one of: ${PIPELINE_KINDS.map((k) => `${k.kind} (${k.summary})`).join("; ")}`, kind);
        const cluster = c.oneOf(`${key}.connect`, connect, clusters, "default");
        return [{ key, name: c.name(`${key}.name`, name), kind: known?.kind, connect: cluster, fields }];
    });
}

/** What a pipeline or a raw connector holds in namespaces the whole stack shares. */
interface Claimant {
    readonly key: string;
    /** The Connect cluster its connectors run on. */
    readonly connect: string;
    readonly claims: readonly { readonly namespace: string; readonly value: string }[];
    readonly dialects: readonly SinkDialect[];
}

function claimantsOf(pipelines: readonly DeclaredPipeline[], connectors: readonly RawConnectorSpec[]): Claimant[] {
    return [
        ...pipelines.map((p) => {
            const kind = pipelineKind(p.kind)!;
            return { key: p.key, connect: p.connect, claims: kind.claims(p.name, p.spec), dialects: kind.sinkDialects(p.spec) };
        }),
        ...connectors.map((r) => {
            const dialect = rawSinkDialect(r);
            return { key: r.key, connect: r.connect, claims: [{ namespace: "connector", value: r.name }], dialects: dialect ? [dialect] : [] };
        }),
    ];
}

/** Pipeline names are unique, and no connector secret stands in for a password the stack keeps. */
function checkNames(c: Checker, pipelines: readonly DeclaredPipeline[], connectorSecretNames: readonly string[]): void {
    const names = new Map<string, string>();
    for (const p of pipelines) {
        const other = names.get(p.name);
        if (other) c.say(`${p.key}.name`, `expected a name no other pipeline has, got "${p.name}" (also ${NAMESPACE}:${other})`);
        names.set(p.name, p.key);
        for (const n of pipelineKind(p.kind)!.passwords(p.name, p.spec).forConnect.filter((x) => connectorSecretNames.includes(x))) {
            // The workers' secrets file holds both maps: that value would stand in for the account's password.
            c.fail(`connectorSecrets.${n}`, `another name: ${n} is the password the stack keeps for ${NAMESPACE}:${p.key}'s connectors (pin it with ${NAMESPACE}:passwords.${n})`, n);
        }
    }
}

/** No two claims on one stack-wide name; no two SQL dialects among the JDBC sinks of one Connect cluster. */
function checkClaims(c: Checker, claimants: readonly Claimant[]): void {
    const claims = new Map<string, string>();
    /** Per Connect cluster: the first claimant of each sink dialect. */
    const dialects = new Map<string, Map<SinkDialect, string>>();
    for (const x of claimants) {
        for (const claim of x.claims) {
            const at = `${claim.namespace} ${claim.value}`;
            const first = claims.get(at);
            if (first && first !== x.key) c.say(x.key, `its ${at} is also ${NAMESPACE}:${first}'s: two cannot share it (rename one of them)`);
            else claims.set(at, x.key);
        }
        const onCluster = dialects.get(x.connect) ?? new Map<SinkDialect, string>();
        dialects.set(x.connect, onCluster);
        for (const d of x.dialects) {
            const other = [...onCluster].find(([od]) => od !== d);
            if (other) {
                // Debezium's JDBC sink (3.2.0 through at least 3.7) registers its column types as JVM-wide singletons
                // that remember the dialect of the last sink task started in the worker: a MySQL sink and a PostgreSQL
                // sink in one Connect cluster write each other's SQL (docs/topology-b.md, "Known defect").
                c.say(
                    x.key,
                    `its ${d} sink would share the Connect cluster ${x.connect} with the ${other[0]} sink of ${NAMESPACE}:${other[1]}, where the ` +
                        "Debezium JDBC sink mixes up their SQL dialects (one database's DDL sent to the other); run one of them on a cluster of its own " +
                        `(declare it under ${NAMESPACE}:connect.clusters and name it in the entry's connect field)`,
                );
            }
            if (!onCluster.has(d)) onCluster.set(d, x.key);
        }
    }
}

/** A server a pipeline runs itself is that pipeline's alone; a non-PostgreSQL server no pipeline uses is a mistake. */
function checkServers(c: Checker, pipelines: readonly DeclaredPipeline[], databases: readonly DatabaseServerSpec[], allLoaded: boolean): void {
    const owners = new Map<string, DeclaredPipeline>();
    for (const p of pipelines) for (const s of pipelineKind(p.kind)!.ownedServers(p.spec)) if (!owners.has(s)) owners.set(s, p);
    for (const p of pipelines) {
        for (const s of pipelineKind(p.kind)!.databaseServers(p.spec)) {
            const owner = owners.get(s);
            if (owner && owner !== p) {
                c.say(p.key, `uses the database server ${s}, which ${NAMESPACE}:${owner.key} runs itself (a ${owner.kind} pipeline): give each its own server`);
            }
        }
    }
    const used = new Set(pipelines.flatMap((p) => pipelineKind(p.kind)!.databaseServers(p.spec)));
    // Only when every pipeline loaded: one with problems may be the server's user.
    for (const d of allLoaded ? databases : []) {
        if (d.engine !== "postgres" && !used.has(d.name)) {
            c.say(d.key, `a ${d.engine} server no pipeline uses: only PostgreSQL servers are run on their own (others are run by the pipeline using them)`);
        }
    }
}

/** Every pipeline's connectors find the plugins they need on its Connect cluster. */
function checkPlugins(c: Checker, connect: ConnectSpec, pipelines: readonly DeclaredPipeline[]): void {
    for (const p of pipelines) {
        const cluster = [connect, ...connect.clusters].find((k) => k.name === p.connect);
        for (const plugin of pipelineKind(p.kind)!.connectPlugins(p.spec).filter((x) => cluster && !cluster.plugins.includes(x))) {
            const key = p.connect === "default" ? "connect.plugins" : `connect.clusters.${p.connect}.plugins`;
            c.say(p.key, `its connectors need the ${plugin} plugin, which the Connect cluster ${p.connect} does not carry: add it to ${NAMESPACE}:${key} (its workers then run the platform image with the plugin added)`);
        }
    }
}

/** Validates raw stack config; throws ConfigError naming every bad key. */
export function loadStackConfig(raw: RawConfig): StackConfig {
    const c = new Checker();
    for (const k of Object.keys(raw.values)) {
        if (raw.values[k] === undefined) continue;
        if (!(KNOWN_KEYS as readonly string[]).includes(k)) {
            c.say(k, `unknown key (known: ${KNOWN_KEYS.join(", ")})`);
        } else if (SECRET_KEYS.has(k) && !raw.secretKeys.has(k)) {
            // Never echo the value: it is exactly what must not be shown.
            c.say(k, `expected a secret (set it with \`pulumi config set --secret --path '${k}.<name>' <value>\`), got a plain-text value`);
        }
    }
    const value = (k: string) => parseJson(raw.values[k]);
    const platform = loadPlatform(c, value);
    const servers = platform?.servers ?? [];
    const connectorSecretNames = loadSecretMapNames(c, "connectorSecrets", value("connectorSecrets"));
    const passwordNames = loadSecretMapNames(c, "passwords", value("passwords"));
    // Services the stack runs besides the platform's, for the port clash check.
    const binds: Bind[] = [];
    const legacy = loadLegacy(c, value, servers, binds);
    const databases = [...legacy.databases, ...loadDatabases(c, value("databases"), servers, binds)];
    const byName = new Map<string, DatabaseServerSpec>();
    for (const d of databases) {
        if (byName.has(d.name)) c.say(d.key, `a database server named ${d.name} is already declared by ${NAMESPACE}:${byName.get(d.name)!.key}`);
        byName.set(d.name, d);
    }
    const clusters = platform ? [platform.connect, ...platform.connect.clusters].map((k) => k.name) : ["default"];
    const entries: Entry[] = [...legacy.entries.map((e): Entry => ({ ...e, connect: "default" })), ...loadEntries(c, value("pipelines"), clusters)];
    // Servers declared but invalid: their problems are reported; references to them are not reported again.
    const rawDatabases = value("databases");
    const declared = [...(rawDatabases && typeof rawDatabases === "object" ? Object.keys(rawDatabases) : []), ...legacy.declared];
    const invalidDatabases = new Set(declared.filter((n) => !byName.has(n)));
    const pipelines: DeclaredPipeline[] = [];
    const failed = c.problems.length;
    for (const e of entries) {
        const kind = e.kind === undefined ? undefined : pipelineKind(e.kind);
        const ctx: LoadContext = { servers, databases: byName, invalidDatabases, pinnedPasswords: passwordNames, binds, key: e.key, at: e.at ?? ((p) => `${e.key}.${p}`) };
        const spec = kind?.load(c, e.fields, ctx);
        if (kind && spec !== undefined && e.name !== undefined && NAME.test(e.name)) pipelines.push({ name: e.name, kind: kind.kind, key: e.key, connect: e.connect, spec });
    }
    const connectors = loadRawConnectors(c, value("connectors"), [...connectorSecretNames, ...passwordNeeds({ databases, pipelines }).forConnect], clusters);
    const allLoaded = c.problems.length === failed && pipelines.length === entries.length;
    checkNames(c, pipelines, connectorSecretNames);
    checkClaims(c, claimantsOf(pipelines, connectors));
    checkServers(c, pipelines, databases, allLoaded);
    if (platform) checkPlugins(c, platform.connect, pipelines);
    for (const name of new Set(databases.flatMap(unpinnedAdminPasswords).filter((n) => !passwordNames.includes(n)))) {
        const db = databases.find((d) => d.adminPassword === name)!;
        c.fail(`passwords.${name}`, `the administrator's password of the adopted server ${NAMESPACE}:${db.key} (pulumi config set --secret --path '${NAMESPACE}:passwords.${name}' ...)`, undefined);
    }
    if (platform) checkPortClashes(c, platform, binds);
    const allowDestructive = loadAllowances(c, value("allowDestructive"));
    if (c.problems.length > 0 || !platform) throw new ConfigError(c.problems);
    return { ...platform, databases, pipelines, connectors, connectorSecretNames, passwordNames, allowDestructive, warnings: c.warnings };
}
