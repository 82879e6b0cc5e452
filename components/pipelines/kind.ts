// The contract every pipeline kind fulfils. A kind lives in its own folder (components/pipelines/<kind>/),
// exports one PipelineKind, and is listed once in ./registry.ts: the stack-config loader and index.ts know
// the registry, never a kind by name.
import type { ImageBuilds } from "../docker/builds";
import type * as pulumi from "@pulumi/pulumi";
import type { Bind, Checker } from "../config/checker";
import type { ConnectPlugin, ServerSpec } from "../config/schema";
import type { DatabaseServerSpec } from "../databases/config";
import type { BuiltDatabaseServer } from "../databases/servers";
import type { RestAuth } from "../connectors/rest";

/** What a kind is told while it validates its entry. */
export interface LoadContext {
    /** The stack's servers (`cdc-sync:servers`). */
    readonly servers: readonly ServerSpec[];
    /** The declared database servers (`cdc-sync:databases`), by name. */
    readonly databases: ReadonlyMap<string, DatabaseServerSpec>;
    /**
     * Names of database servers declared but invalid (their problems are reported already): a reference to one
     * is not reported again.
     */
    readonly invalidDatabases: ReadonlySet<string>;
    /** Names the operator pinned in `cdc-sync:passwords`. */
    readonly pinnedPasswords: readonly string[];
    /** Ports of services the kind runs itself, for the stack-wide clash check. */
    readonly binds: Bind[];
    /** The entry's own key: `pipelines[1]` (or the deprecated key it was read from). */
    readonly key: string;
    /** The full key of a field of this entry: `at("tables[0].primaryKey")` -> `pipelines[1].tables[0].primaryKey`. */
    at(path: string): string;
}

/** The passwords a pipeline uses, by name in `cdc-sync:passwords` (generated unless pinned). */
export interface PasswordNeeds {
    /** Every password it uses. */
    readonly names: readonly string[];
    /** Those its connectors reference: the Connect workers' secrets file holds them. */
    readonly forConnect: readonly string[];
    /** Those the stack cannot generate (accounts that exist outside it): the operator must pin them. */
    readonly pinned: readonly string[];
}

/**
 * A name the pipeline takes in a namespace the whole stack shares. Two claims on one name are refused at
 * load, naming both pipelines: e.g. two pipelines writing the same connector, topic or replication slot.
 */
export interface Claim {
    /** `connector`, `topic`, `password`, `database` (values `<database server>/<database>`), ... */
    readonly namespace: string;
    readonly value: string;
}

/** SQL dialects a JDBC sink writes; one Connect cluster must not run sinks of two (see docs/topology-b.md). */
export type SinkDialect = "postgresql" | "mysql";

/** Everything a kind builds from: the platform's outputs and the stack-wide resources. */
export interface BuildContext {
    readonly stack: string;
    readonly servers: readonly ServerSpec[];
    /** Where the stack's images are built and how each server gets them (`cdc-sync:images`). */
    readonly images: ImageBuilds;
    /** Every password the stack keeps, by name (a PasswordSet). */
    readonly passwords: { get(name: string): pulumi.Output<string> };
    /** The database servers the stack declares, by name, as built (components/databases/servers.ts). */
    readonly databases: ReadonlyMap<string, BuiltDatabaseServer>;
    readonly connect: {
        /** REST URLs of the Connect workers. */
        readonly urls: string[];
        /** The cluster's REST credentials (a Pulumi secret), for the connectors. */
        readonly auth?: pulumi.Input<RestAuth>;
        /** Every name in the workers' secrets file; a connector referencing another fails before anything is sent. */
        readonly knownSecrets: readonly string[];
        /** The workers' secrets' values (a Pulumi secret): connectors restart when one they use changes. */
        readonly secretValues?: pulumi.Input<Record<string, string>>;
    };
    /** Kafka bootstrap servers, for the topics a pipeline owns. */
    readonly bootstrapServers: string;
    readonly replicationFactor: number;
    /** What every resource of the pipeline waits for: the platform (Connect holds the secrets file). */
    readonly dependsOn: pulumi.Resource[];
}

/** A pipeline as built: its component and the stack outputs it reports under `pipelines.<name>`. */
export interface BuiltPipeline {
    readonly resource: pulumi.ComponentResource;
    readonly outputs: Record<string, unknown>;
}

export interface PipelineKind<Spec> {
    /** The value of `kind` in a `cdc-sync:pipelines` entry. */
    readonly kind: string;
    /** One line for the unknown-kind error and the docs. */
    readonly summary: string;
    /** Validates one entry's own fields (all but `name` and `kind`); undefined when it has problems. */
    load(c: Checker, entry: Record<string, unknown>, ctx: LoadContext): Spec | undefined;
    /** The passwords it needs (`name` is the entry's name: names derived from it may carry it). */
    passwords(name: string, spec: Spec): PasswordNeeds;
    /** Stack-wide names it takes (connectors, topics, server-wide database objects). */
    claims(name: string, spec: Spec): Claim[];
    /** Dialects its JDBC sinks write. */
    sinkDialects(spec: Spec): SinkDialect[];
    /** Plugins its connectors need besides the platform image's (`connect.clusters.<name>.plugins`). */
    connectPlugins(spec: Spec): ConnectPlugin[];
    /** The database servers (`cdc-sync:databases` names) it uses. */
    databaseServers(spec: Spec): string[];
    /** Those of them it runs (or adopts) itself, inside its own component: no other pipeline may use them. */
    ownedServers(spec: Spec): string[];
    /**
     * Database servers this kind used to build inside its own component before they moved to
     * `cdc-sync:databases`, with the URN of that former parent: the server is aliased from there, not replaced.
     */
    formerServerParents?(name: string, spec: Spec): { readonly server: string; readonly parentUrn: pulumi.Input<string> }[];
    /** Builds its resources; `name` is the entry's name and prefixes every derived name. */
    build(name: string, spec: Spec, ctx: BuildContext): BuiltPipeline;
}

/** A validated `cdc-sync:pipelines` entry. */
export interface DeclaredPipeline {
    readonly name: string;
    readonly kind: string;
    /** Where it was declared (`pipelines[0]`, or the deprecated key it was read from), for messages. */
    readonly key: string;
    /** The Connect cluster its connectors run on (`pipelines[i].connect`; default `default`). */
    readonly connect: string;
    /** The kind's own spec (opaque to everything but the kind). */
    readonly spec: unknown;
}
