// cdc-sync as a library: what a team imports into its own Pulumi program instead of editing this repository's stack
// files. `scripts/pack.sh` compiles it (JavaScript and type declarations) into a tarball a program depends on;
// examples/team-program composes it. Every class here is the one this repository's own program (index.ts) uses.
//
// The simplest use is the whole stack from a config written in code (the same keys, checked with the same messages,
// as a Pulumi.<stack>.yaml):
//
//     const config = checkConfig({ servers: {...}, zookeeper: {...}, brokers: [...], pipelines: [...] });
//     const out = buildStack({ stack: pulumi.getStack(), config, connectorSecrets: {}, pinnedPasswords: {} });
//
// and the parts compose on their own: a KafkaPlatform, then connectors of the team's own against its workers.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../components/config/checker";
import { KNOWN_KEYS, loadStackConfig, StackConfig } from "../components/stack/load";

export { buildPipelines, buildStack, StackInputs } from "../components/stack/program";
export type { StackConfig } from "../components/stack/load";
export { KafkaPlatform, KafkaPlatformArgs } from "../components/platform/platform";
export { ConnectCluster } from "../components/platform/connectCluster";
export { Topic, TopicArgs } from "../components/platform/topic";
export { TwoWayPostgres } from "../components/pipelines/twoWayPostgres/pipeline";
export { ReplicatePipeline } from "../components/pipelines/replicate/pipeline";
export { MongoToMySqlPipeline } from "../components/pipelines/mongoToMySql/pipeline";
export {
    Connector,
    ConnectorArgs,
    JdbcSinkArgs,
    JdbcSinkConnector,
    MongoSourceArgs,
    MongoSourceConnector,
    PostgresSourceArgs,
    PostgresSourceConnector,
} from "../components/connectors/connector";
export { PostgresServer } from "../components/databases/postgres/server";
export { MySqlServer } from "../components/databases/mysql/server";
export { MongoReplicaSet } from "../components/databases/mongodb/server";
export { PasswordSet } from "../components/secrets/passwords";
export type { RestAuth } from "../components/connectors/rest";

/** A stack's config written in code: the keys of a Pulumi.<stack>.yaml without the `cdc-sync:` prefix (README.md). */
export type ConfigInput = Partial<Record<(typeof KNOWN_KEYS)[number], unknown>>;

/** The names (never the values) of the secrets the program will hand buildStack, so references to them are checked. */
export interface SecretNames {
    /** Names in `connectorSecrets` (connectors reference them as `${file:...:NAME}`). */
    readonly connectorSecrets?: readonly string[];
    /** Names of pinned passwords (`passwords`). */
    readonly passwords?: readonly string[];
}

/**
 * Checks a config written in code exactly as a stack file's is checked, and returns it validated. Every problem is
 * reported at once, by key (`servers.server2.address: expected ...`), as a `pulumi.RunError`: the preview prints the
 * message alone.
 */
export function checkConfig(config: ConfigInput, secrets: SecretNames = {}): StackConfig {
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) if (v !== undefined) values[k] = typeof v === "string" ? v : JSON.stringify(v);
    const secretKeys = new Set<string>();
    for (const key of ["connectorSecrets", "passwords"] as const) {
        const names = secrets[key] ?? [];
        if (names.length === 0) continue;
        // Only the names are checked here; the values reach buildStack / KafkaPlatform as secrets.
        values[key] = JSON.stringify(Object.fromEntries(names.map((n) => [n, "(given to the components)"])));
        secretKeys.add(key);
    }
    try {
        const checked = loadStackConfig({ values, secretKeys });
        for (const w of checked.warnings) pulumi.log.warn(w);
        return checked;
    } catch (e) {
        if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
        throw e;
    }
}
