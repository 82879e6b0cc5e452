// The whole stack from its validated config: passwords, the platform, the database servers and every declared
// pipeline through its kind. index.ts runs it for the current stack; the unit tests run it under mocks.
import * as pulumi from "@pulumi/pulumi";
import { Connector } from "../connectors/connector";
import { buildPostgresServers } from "../databases/servers";
import type { BuildContext } from "../pipelines/kind";
import { pipelineKind } from "../pipelines/registry";
import { metricsEndpoints } from "../platform/placement";
import { KafkaPlatform } from "../platform/platform";
import { ImageBuilds } from "../docker/builds";
import { PasswordSet } from "../secrets/passwords";
import { REST_PASSWORD_NAME } from "../platform/restAuth";
import { ZOOKEEPER_PASSWORD_NAME } from "../platform/zookeeperAuth";
import { ALLOW_KEY, allowDestruction, unusedAllowances } from "../dynamic/guard";
import { passwordNeeds, StackConfig } from "./load";

export interface StackInputs {
    readonly stack: string;
    readonly config: StackConfig;
    /** `cdc-sync:connectorSecrets`, a Pulumi secret. */
    readonly connectorSecrets: pulumi.Input<Record<string, string>>;
    /** `cdc-sync:passwords` (pinned passwords), a Pulumi secret. */
    readonly pinnedPasswords: pulumi.Input<Record<string, string>>;
}

/**
 * The database servers and the declared pipelines, on a platform that is up (`ctx`): what buildStack builds
 * on top of its own platform, and what a test builds on top of the suite's.
 */
export function buildPipelines(
    config: Pick<StackConfig, "databases" | "pipelines" | "connectors">,
    ctx: Omit<BuildContext, "databases" | "connect"> & {
        /** The Connect cluster of that name (`default`, or one of `connect.clusters`). */
        readonly connect: (cluster: string) => BuildContext["connect"];
    },
) {
    const databases = buildPostgresServers({
        stack: ctx.stack,
        servers: ctx.servers,
        images: ctx.images,
        databases: config.databases,
        passwords: ctx.passwords,
        dependsOn: ctx.dependsOn,
        formerParents: (server) =>
            config.pipelines
                .flatMap((p) => pipelineKind(p.kind)!.formerServerParents?.(p.name, p.spec) ?? [])
                .filter((f) => f.server === server)
                .map((f) => f.parentUrn),
    });
    const pipelines = config.pipelines.map((p) => [p.name, pipelineKind(p.kind)!.build(p.name, p.spec, { ...ctx, databases, connect: ctx.connect(p.connect) })] as const);
    const connectors = config.connectors.map(
        (r) =>
            new Connector(
                r.name,
                {
                    connectUrls: ctx.connect(r.connect).urls,
                    connectAuth: ctx.connect(r.connect).auth,
                    knownSecrets: ctx.connect(r.connect).knownSecrets,
                    secretValues: ctx.connect(r.connect).secretValues,
                    connectorClass: r.connectorClass,
                    config: { ...r.config, "tasks.max": String(r.tasksMax) },
                    state: r.state,
                },
                // After the pipelines: a raw connector may read their topics or write into their databases.
                { dependsOn: [...ctx.dependsOn, ...pipelines.map(([, b]) => b.resource)] },
            ),
    );
    return { databases, pipelines, connectors };
}

/** Builds every resource of the stack and returns its outputs. */
export function buildStack({ stack, config, connectorSecrets, pinnedPasswords }: StackInputs) {
    allowDestruction(config.allowDestructive);
    /** Passwords of the accounts the stack creates; those connectors use also go to the Connect workers. */
    const needs = passwordNeeds(config);
    const passwords = new PasswordSet("passwords", { names: [...needs.names], overrides: pinnedPasswords });
    const workerSecrets = pulumi
        .all([connectorSecrets, passwords.pick([...needs.forConnect])])
        .apply(([declared, generated]) => ({ ...generated, ...declared }));

    // A set of its own, like each exporter's: adding a name to the stack's set makes every password in it unknown
    // at preview (the set is being updated), and so shows every account of every database as changing.
    const restPassword = new PasswordSet("connect-rest-password", { names: [REST_PASSWORD_NAME], overrides: pinnedPasswords });
    const zookeeperPassword = new PasswordSet("zookeeper-password", { names: [ZOOKEEPER_PASSWORD_NAME], overrides: pinnedPasswords });
    // One build engine for the whole stack: every image is built once and shipped to the servers that lack it.
    const images = new ImageBuilds(config.images?.build);
    const platform = new KafkaPlatform("kafka", {
        config,
        images,
        stack,
        connectorSecrets: pulumi.secret(workerSecrets),
        connectRestPassword: restPassword.get(REST_PASSWORD_NAME),
        zookeeperPassword: zookeeperPassword.get(ZOOKEEPER_PASSWORD_NAME),
    });
    const plan = platform.placement;

    const { databases, pipelines, connectors } = buildPipelines(config, {
        stack,
        servers: config.servers,
        images,
        passwords,
        connect: (cluster) => ({
            urls: platform.connectClusters.get(cluster)!.workerUrls,
            auth: platform.connectClusters.get(cluster)!.auth,
            knownSecrets: [...config.connectorSecretNames, ...needs.forConnect],
            secretValues: workerSecrets,
        }),
        bootstrapServers: platform.bootstrapServers,
        replicationFactor: config.kafka.replicationFactor,
        dependsOn: [platform],
    });
    for (const name of unusedAllowances()) {
        pulumi.log.warn(`${ALLOW_KEY}.${name}: no resource of that name can be refused, so this allows nothing (use the name a refusal gives)`);
    }

    return {
        /** `host:port,...` for Kafka clients. */
        bootstrapServers: platform.bootstrapServers,
        /** Kafka Connect REST API (any worker forwards to the leader). */
        connectRestUrl: platform.connect.restUrl,
        /** The REST API's credentials (HTTP Basic; every Connect cluster of the stack), a secret: `pulumi stack output --show-secrets connectRestAuth`. */
        connectRestAuth: platform.connect.auth,
        connectVersion: platform.connect.version,
        connectPlugins: platform.connect.plugins,
        /** Which server runs what, at which address. */
        placement: {
            zookeeper: { server: plan.zookeeper.server.name, address: plan.zookeeper.connectString },
            brokers: plan.brokers.map((b) => ({ id: b.id, server: b.server.name, address: b.bootstrap })),
            connectWorkers: plan.connect.workers.map((w) => ({ server: w.server.name, url: w.url })),
            /** Every Connect cluster (the default one's workers are `connectWorkers`). */
            connectClusters: Object.fromEntries(plan.connectClusters.map((k) => [k.name, k.workers.map((w) => ({ server: w.server.name, url: w.url }))])),
            databases: Object.fromEntries([...databases].map(([name, d]) => [name, `${d.host}:${d.port}`])),
        },
        /** Every Prometheus endpoint: each JVM's (the JMX exporter), each supervisor's, each stack-run PostgreSQL server's. */
        metrics: [
            ...metricsEndpoints(plan),
            ...[...databases].flatMap(([name, d]) =>
                d.metricsUrl && d.spec.kind === "run" ? [{ job: "postgres" as const, name, server: d.spec.server, url: d.metricsUrl }] : [],
            ),
        ],
        /** Each declared pipeline by name: its kind, where its ends are, its connectors and health. */
        pipelines: Object.fromEntries(pipelines.map(([name, b]) => [name, b.outputs])),
        /** Each `cdc-sync:connectors` entry by name: its observed state and tasks. */
        connectors: Object.fromEntries(connectors.map((k) => [k.connectorName, { state: k.state, tasks: k.tasks }])),
        /** The pipelines' components, for tests. */
        components: Object.fromEntries(pipelines.map(([name, b]) => [name, b.resource])),
    };
}
