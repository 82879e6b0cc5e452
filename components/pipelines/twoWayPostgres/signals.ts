// Debezium's signal table in each database of a pair: how a table that joins a running pair gets its existing
// rows across. The stack inserts an `execute-snapshot` signal; the source reads it from its slot and takes an
// incremental snapshot (chunks of the table, merged with the stream by the watermark rows it writes back into
// the same table), with no lock held and the stream never paused. The snapshot's rows carry their versions, so the
// conflict rule decides them like any other write.
import { SIGNAL_TABLE, TwoWayDatabaseSpec, ReplicatedTable } from "./spec";
import { escapeRegex } from "../../connectors/connectorConfig";
import { doBlock, ident, literal, qualified } from "../../databases/postgres/sqlText";

/** `schema.cdc_signals` as SQL. */
export function signalTable(spec: Pick<TwoWayDatabaseSpec, "syncSchema">): string {
    return qualified(spec.syncSchema, SIGNAL_TABLE);
}

/**
 * The table (Debezium's required shape: exactly these three columns, in this order), the source's right to write
 * its watermarks into it, and its place in the publication (a pair set up before signals existed gets it here).
 */
export function signalSetupSql(spec: TwoWayDatabaseSpec): string[] {
    const table = signalTable(spec);
    return [
        [`CREATE TABLE IF NOT EXISTS ${table} (`, `  id varchar(64) PRIMARY KEY,`, `  type varchar(32) NOT NULL,`, `  data varchar(2048)`, `)`].join("\n"),
        `GRANT SELECT, INSERT ON ${table} TO ${ident(spec.replicationRole)}`,
        doBlock(
            `BEGIN\n  IF EXISTS (SELECT FROM pg_catalog.pg_publication WHERE pubname = ${literal(spec.publicationName)}) AND NOT EXISTS (\n` +
                `    SELECT FROM pg_catalog.pg_publication_tables WHERE pubname = ${literal(spec.publicationName)}\n` +
                `      AND schemaname = ${literal(spec.syncSchema)} AND tablename = ${literal(SIGNAL_TABLE)}) THEN\n` +
                `    ALTER PUBLICATION ${ident(spec.publicationName)} ADD TABLE ${table};\n  END IF;\nEND;`,
        ),
    ];
}

/** The Debezium source settings that enable signals: the table is captured, and its events never reach Kafka. */
export function signalSourceConfig(spec: Pick<TwoWayDatabaseSpec, "syncSchema">, topicPrefix: string, topicFor: (p: string, s: string, n: string) => string): Record<string, string> {
    return {
        "signal.enabled.channels": "source",
        "signal.data.collection": `${spec.syncSchema}.${SIGNAL_TABLE}`,
        // Debezium emits the signal table's rows like any captured table's; they are the stack's business only.
        transforms: "dropSignals",
        "transforms.dropSignals.type": "org.apache.kafka.connect.transforms.Filter",
        "transforms.dropSignals.predicate": "isSignal",
        predicates: "isSignal",
        "predicates.isSignal.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
        "predicates.isSignal.pattern": escapeRegex(topicFor(topicPrefix, spec.syncSchema, SIGNAL_TABLE)),
    };
}

/** The signal row that asks the source for an incremental snapshot of `tables` (Debezium reads each name as a regex). */
export function snapshotSignalSql(spec: Pick<TwoWayDatabaseSpec, "syncSchema">, id: string, tables: readonly Pick<ReplicatedTable, "schema" | "name">[]): { text: string; values: string[] } {
    const data = JSON.stringify({ "data-collections": tables.map((t) => `${escapeRegex(t.schema)}\\.${escapeRegex(t.name)}`), type: "incremental" });
    return { text: `INSERT INTO ${signalTable(spec)} (id, type, data) VALUES ($1, $2, $3)`, values: [id, "execute-snapshot", data] };
}

/** How many snapshot windows the source has opened in this database so far: it grows while a snapshot runs. */
export function windowsOpenedSql(spec: Pick<TwoWayDatabaseSpec, "syncSchema">): string {
    return `SELECT count(*)::int AS n FROM ${signalTable(spec)} WHERE type = 'snapshot-window-open'`;
}
