// The Debezium PostgreSQL source (3.2): typed arguments, the pure function that turns them into the Connect
// config, and the class's rules from Debezium's documentation (required properties, enums, cross-field rules,
// and what a running connector cannot change in place).
import type * as pulumi from "@pulumi/pulumi";
import { assemble, ConnectorConfig, list, sourceProperties, SourceSpec } from "./connectorConfig";
import { ClassRules, ConfigView, Problem, when } from "./rules";
import { secretRef } from "./secrets";

export const POSTGRES_CONNECTOR_CLASS = "io.debezium.connector.postgresql.PostgresConnector";

/** `snapshot.mode` (the deprecated `never` is left out: `no_data` replaces it). */
export const POSTGRES_SNAPSHOT_MODES = ["always", "initial", "initial_only", "no_data", "when_needed", "configuration_based", "custom"] as const;
export type PostgresSnapshotMode = (typeof POSTGRES_SNAPSHOT_MODES)[number];

/** `publication.autocreate.mode`. */
export const PUBLICATION_AUTOCREATE_MODES = ["all_tables", "disabled", "filtered", "no_tables"] as const;
export type PublicationAutocreateMode = (typeof PUBLICATION_AUTOCREATE_MODES)[number];

/** `database.sslmode`. */
export const POSTGRES_SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;
export type PostgresSslMode = (typeof POSTGRES_SSL_MODES)[number];

/** `snapshot.locking.mode`. */
export const SNAPSHOT_LOCKING_MODES = ["shared", "none", "custom"] as const;
export type SnapshotLockingMode = (typeof SNAPSHOT_LOCKING_MODES)[number];

/** `decimal.handling.mode`. */
export const DECIMAL_HANDLING_MODES = ["precise", "double", "string"] as const;
export type DecimalHandlingMode = (typeof DECIMAL_HANDLING_MODES)[number];

/** `time.precision.mode`, as documented for PostgreSQL. */
export const POSTGRES_TIME_PRECISION_MODES = ["adaptive", "adaptive_time_microseconds", "connect"] as const;
export type PostgresTimePrecisionMode = (typeof POSTGRES_TIME_PRECISION_MODES)[number];

/** The database a PostgreSQL source reads. */
export interface PostgresEndpoint {
    readonly hostname: pulumi.Input<string>;
    /** Default 5432. */
    readonly port?: pulumi.Input<number>;
    /** A user with the REPLICATION and LOGIN roles. */
    readonly user: pulumi.Input<string>;
    /** Name of the user's password in the platform stack's `cdc-sync:connectorSecrets`. */
    readonly passwordSecret: string;
    /** The database to capture (`database.dbname`); changing it replaces the connector. */
    readonly dbname: pulumi.Input<string>;
    /** `database.sslmode`; Debezium's default is `prefer`. */
    readonly sslmode?: PostgresSslMode;
}

/** A Debezium PostgreSQL source, decoding with pgoutput (built into PostgreSQL 10+, no server extension). */
export interface PostgresSourceSpec extends SourceSpec {
    readonly database: PostgresEndpoint;
    /**
     * Replication slot (`slot.name`): lowercase letters, digits and '_', at most 63 characters, unique per
     * PostgreSQL server. Default: the connector name with other characters turned into '_'. Changing it
     * replaces the connector; the old slot stays in PostgreSQL until dropped.
     */
    readonly slotName?: string;
    /** Publication (`publication.name`); default `<slot name>_publication`, one per connector. */
    readonly publicationName?: string;
    /**
     * `publication.autocreate.mode`; default `filtered`: a publication of exactly the captured tables, which
     * the table owner may create (`all_tables`, Debezium's default, needs a superuser).
     */
    readonly publicationAutocreateMode?: PublicationAutocreateMode;
    /** `schema.include.list`: regular expressions of schemas to capture. */
    readonly schemaIncludeList?: readonly string[];
    readonly schemaExcludeList?: readonly string[];
    /** `table.include.list`: regular expressions of `<schema>.<table>` to capture. */
    readonly tableIncludeList?: readonly string[];
    readonly tableExcludeList?: readonly string[];
    /** `column.exclude.list`: regular expressions of `<schema>.<table>.<column>` never captured. */
    readonly columnExcludeList?: readonly string[];
    /** `snapshot.mode`; Debezium's default is `initial`. Changing it replaces the connector. */
    readonly snapshotMode?: PostgresSnapshotMode;
    /** `snapshot.mode.custom.name`: required with `snapshotMode: "custom"`. */
    readonly snapshotModeCustomName?: string;
    readonly snapshotLockingMode?: SnapshotLockingMode;
    readonly decimalHandlingMode?: DecimalHandlingMode;
    readonly timePrecisionMode?: PostgresTimePrecisionMode;
    /**
     * `slot.stream.params`: options passed to pgoutput, e.g. `{ origin: "none" }` (PostgreSQL 16+) to skip
     * changes written by sessions with a replication origin (loop prevention in two-way sync).
     */
    readonly slotStreamParams?: Readonly<Record<string, string>>;
}

/** The default slot name for a connector: PostgreSQL allows only [a-z0-9_] in slot names. */
export function defaultSlotName(connectorName: string): string {
    return connectorName.toLowerCase().replace(/[^a-z0-9_]/g, "_").slice(0, 63);
}

/** The Connect config of a PostgreSQL source named `connectorName`. Throws ConnectorArgsError. */
export function postgresSourceConfig(connectorName: string, spec: PostgresSourceSpec): ConnectorConfig {
    const slot = spec.slotName ?? defaultSlotName(connectorName);
    const db = spec.database;
    const params = spec.slotStreamParams ? Object.entries(spec.slotStreamParams).map(([k, v]) => `${k}=${v}`) : [];
    return assemble(
        connectorName,
        {
            "connector.class": POSTGRES_CONNECTOR_CLASS,
            "plugin.name": "pgoutput",
            "database.hostname": db.hostname,
            "database.port": db.port ?? 5432,
            "database.user": db.user,
            "database.password": secretRef(db.passwordSecret),
            "database.dbname": db.dbname,
            "database.sslmode": db.sslmode,
            ...sourceProperties(spec),
            "slot.name": slot,
            "publication.name": spec.publicationName ?? `${slot}_publication`,
            "publication.autocreate.mode": spec.publicationAutocreateMode ?? "filtered",
            "schema.include.list": list(spec.schemaIncludeList),
            "schema.exclude.list": list(spec.schemaExcludeList),
            "table.include.list": list(spec.tableIncludeList),
            "table.exclude.list": list(spec.tableExcludeList),
            "column.exclude.list": list(spec.columnExcludeList),
            "snapshot.mode": spec.snapshotMode,
            "snapshot.mode.custom.name": spec.snapshotModeCustomName,
            "snapshot.locking.mode": spec.snapshotLockingMode,
            "decimal.handling.mode": spec.decimalHandlingMode,
            "time.precision.mode": spec.timePrecisionMode,
            "slot.stream.params": params.length > 0 ? params.join(";") : undefined,
        },
        spec,
    );
}

const SLOT_NAME = /^[a-z0-9_]{1,63}$/;

function postgresProblems(v: ConfigView): Problem[] {
    const problems: Problem[] = [
        ...when.needs(v, "snapshot.mode", "custom", "snapshot.mode.custom.name"),
        ...when.needs(v, "snapshot.locking.mode", "custom", "snapshot.locking.mode.custom.name"),
        ...when.needs(v, "snapshot.query.mode", "custom", "snapshot.query.mode.custom.name"),
    ];
    const slot = v.known("slot.name");
    if (slot !== undefined && !SLOT_NAME.test(slot)) {
        problems.push({ field: "slot.name", message: `expected 1-63 lowercase letters, digits or '_' (PostgreSQL's rule), got ${JSON.stringify(slot)}` });
    }
    return problems;
}

export const POSTGRES_SOURCE_RULES: ClassRules = {
    className: POSTGRES_CONNECTOR_CLASS,
    role: "source",
    required: ["database.hostname", "database.user", "database.password", "database.dbname", "topic.prefix"],
    enums: {
        "snapshot.mode": POSTGRES_SNAPSHOT_MODES,
        "publication.autocreate.mode": PUBLICATION_AUTOCREATE_MODES,
        "plugin.name": ["pgoutput", "decoderbufs"],
        "database.sslmode": POSTGRES_SSL_MODES,
        "snapshot.locking.mode": SNAPSHOT_LOCKING_MODES,
        "snapshot.query.mode": ["select_all", "custom"],
        "snapshot.isolation.mode": ["serializable", "repeatable_read", "read_committed", "read_uncommitted"],
        "decimal.handling.mode": DECIMAL_HANDLING_MODES,
        "hstore.handling.mode": ["json", "map"],
        "interval.handling.mode": ["numeric", "string"],
    },
    valuesInstead: { "snapshot.mode": { never: 'no_data ("never" is deprecated)' } },
    booleans: ["slot.drop.on.stop", "tombstones.on.delete", "include.unknown.datatypes", "provide.transaction.metadata"],
    exclusive: [
        ["schema.include.list", "schema.exclude.list"],
        ["table.include.list", "table.exclude.list"],
        ["column.include.list", "column.exclude.list"],
        ["message.prefix.include.list", "message.prefix.exclude.list"],
    ],
    check: postgresProblems,
    // topic.prefix: offsets are stored under it, so a new prefix starts over (new topics, new snapshot).
    // slot.name / plugin.name: a new slot starts at the current WAL position; changes before it are lost
    // unless the connector snapshots again, and the old slot keeps holding WAL.
    // database.dbname: another database's LSNs and tables mean nothing to the stored offsets.
    // snapshot.mode: only decides what happens when there are no offsets, i.e. for a fresh connector.
    replaceOn: ["topic.prefix", "slot.name", "plugin.name", "database.dbname", "snapshot.mode"],
};
