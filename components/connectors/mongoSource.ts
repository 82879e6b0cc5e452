// The Debezium MongoDB source (3.2): typed arguments, the pure config builder, and the class's rules.
// MongoDB change streams exist only on replica sets (and sharded clusters), so the connection string must
// name the replica set; credentials go in mongodb.user / mongodb.password, never inside the string.
import type * as pulumi from "@pulumi/pulumi";
import { assemble, ConnectorConfig, list, sourceProperties, SourceSpec } from "./connectorConfig";
import { ClassRules, ConfigView, Problem } from "./rules";
import { secretRef } from "./secrets";

export const MONGODB_CONNECTOR_CLASS = "io.debezium.connector.mongodb.MongoDbConnector";

/** `snapshot.mode` (the deprecated `never` is left out: `no_data` replaces it). */
export const MONGODB_SNAPSHOT_MODES = ["always", "initial", "initial_only", "no_data", "when_needed", "configuration_based", "custom"] as const;
export type MongoSnapshotMode = (typeof MONGODB_SNAPSHOT_MODES)[number];

/** `capture.mode`: whether update events carry the full document and/or its pre-image. */
export const MONGODB_CAPTURE_MODES = [
    "change_streams",
    "change_streams_update_full",
    "change_streams_with_pre_image",
    "change_streams_update_full_with_pre_image",
] as const;
export type MongoCaptureMode = (typeof MONGODB_CAPTURE_MODES)[number];

/** `capture.scope`: what the change stream watches; `database` and `collection` need `capture.target`. */
export const MONGODB_CAPTURE_SCOPES = ["deployment", "database", "collection"] as const;
export type MongoCaptureScope = (typeof MONGODB_CAPTURE_SCOPES)[number];

/** A Debezium MongoDB source. */
export interface MongoSourceSpec extends SourceSpec {
    /**
     * `mongodb.connection.string`: `mongodb://host1:27017,host2:27017/?replicaSet=rs0`. Must name the replica
     * set; must not hold credentials (use `user` and `passwordSecret`).
     */
    readonly connectionString: pulumi.Input<string>;
    /** `mongodb.user`, when the deployment requires authentication. */
    readonly user?: pulumi.Input<string>;
    /** Name of the user's password in the platform stack's `cdc-sync:connectorSecrets`. */
    readonly passwordSecret?: string;
    /** `mongodb.authsource`; MongoDB's default is `admin`. */
    readonly authSource?: pulumi.Input<string>;
    /** `snapshot.mode`; Debezium's default is `initial`. Changing it replaces the connector. */
    readonly snapshotMode?: MongoSnapshotMode;
    /** `capture.mode`; Debezium's default is `change_streams_update_full`. */
    readonly captureMode?: MongoCaptureMode;
    /** `capture.scope`; changing it (or `captureTarget`) replaces the connector: resume tokens are per stream. */
    readonly captureScope?: MongoCaptureScope;
    /** `capture.target`: the database (scope `database`) or `<database>.<collection>` (scope `collection`). */
    readonly captureTarget?: string;
    readonly databaseIncludeList?: readonly string[];
    readonly databaseExcludeList?: readonly string[];
    /** `collection.include.list`: regular expressions of `<database>.<collection>`. */
    readonly collectionIncludeList?: readonly string[];
    readonly collectionExcludeList?: readonly string[];
}

/** The Connect config of a MongoDB source named `connectorName`. Throws ConnectorArgsError. */
export function mongoSourceConfig(connectorName: string, spec: MongoSourceSpec): ConnectorConfig {
    const problems =
        spec.passwordSecret !== undefined && spec.user === undefined ? ["passwordSecret: given without user; set both or neither"] : [];
    return assemble(
        connectorName,
        {
            "connector.class": MONGODB_CONNECTOR_CLASS,
            "mongodb.connection.string": spec.connectionString,
            "mongodb.user": spec.user,
            "mongodb.password": spec.passwordSecret === undefined ? undefined : secretRef(spec.passwordSecret),
            "mongodb.authsource": spec.authSource,
            ...sourceProperties(spec),
            "snapshot.mode": spec.snapshotMode,
            "capture.mode": spec.captureMode,
            "capture.scope": spec.captureScope,
            "capture.target": spec.captureTarget,
            "database.include.list": list(spec.databaseIncludeList),
            "database.exclude.list": list(spec.databaseExcludeList),
            "collection.include.list": list(spec.collectionIncludeList),
            "collection.exclude.list": list(spec.collectionExcludeList),
        },
        spec,
        problems,
    );
}

function mongoProblems(v: ConfigView): Problem[] {
    const problems: Problem[] = [];
    const cs = v.known("mongodb.connection.string");
    if (cs !== undefined) {
        const field = "mongodb.connection.string";
        const m = /^(mongodb(?:\+srv)?):\/\/(?:([^@/]*)@)?([^/?]+)\/?[^?]*(?:\?(.*))?$/.exec(cs);
        if (!m) problems.push({ field, message: "expected mongodb://host[:port][,...]/?replicaSet=<name> or mongodb+srv://..." });
        else {
            // Never echo the string: it might hold exactly the password this rule is about.
            if (m[2] !== undefined) problems.push({ field, message: "holds credentials; set mongodb.user and mongodb.password (a secret reference) instead" });
            const params = new URLSearchParams(m[4] ?? "");
            if (!params.get("replicaSet")) {
                problems.push({ field, message: "must name the replica set (?replicaSet=<name>): Debezium reads change streams, which only replica sets have" });
            }
        }
    }
    const scope = v.known("capture.scope");
    if ((scope === "database" || scope === "collection") && !v.has("capture.target")) {
        problems.push({ field: "capture.target", message: `required when capture.scope=${scope}` });
    }
    const target = v.known("capture.target");
    if (scope === "collection" && target !== undefined && !/^[^.]+\..+$/.test(target)) {
        problems.push({ field: "capture.target", message: `expected <database>.<collection> when capture.scope=collection, got ${JSON.stringify(target)}` });
    }
    return problems;
}

export const MONGODB_SOURCE_RULES: ClassRules = {
    className: MONGODB_CONNECTOR_CLASS,
    role: "source",
    required: ["mongodb.connection.string", "topic.prefix"],
    enums: {
        "snapshot.mode": MONGODB_SNAPSHOT_MODES,
        "capture.mode": MONGODB_CAPTURE_MODES,
        "capture.mode.full.update.type": ["lookup", "post_image"],
        "capture.scope": MONGODB_CAPTURE_SCOPES,
        "filters.match.mode": ["regex", "literal"],
        "cursor.pipeline.order": ["internal_first", "user_first", "user_only"],
        "cursor.oversize.handling.mode": ["fail", "skip", "split"],
    },
    valuesInstead: { "snapshot.mode": { never: 'no_data ("never" is deprecated)' } },
    booleans: ["mongodb.ssl.enabled", "tombstones.on.delete"],
    exclusive: [
        ["database.include.list", "database.exclude.list"],
        ["collection.include.list", "collection.exclude.list"],
    ],
    check: mongoProblems,
    // topic.prefix: offsets (resume tokens) are stored under it. snapshot.mode: applies to a fresh connector
    // only. capture.scope/target: a resume token belongs to one change stream; another stream cannot resume it.
    replaceOn: ["topic.prefix", "snapshot.mode", "capture.scope", "capture.target"],
};
