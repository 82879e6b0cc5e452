// Stand-ins for the two connectors of one direction, faithful where loops and conflicts are decided:
//  - the source reads the slot as the replication role with the options Debezium's pgoutput decoder sends
//    (proto_version 1, publication_names) plus slot.stream.params origin=none;
//  - the sink logs in as the sink role and writes like the Debezium JDBC sink in upsert mode
//    (delete.enabled=false, primary.key.mode=record_key, quote.identifiers=true): deletes skipped,
//    records buffered per table in order of first appearance, each table's batch one transaction of
//    `INSERT ... ON CONFLICT (key) DO UPDATE SET c=EXCLUDED.c`, and with schema.evolution=basic a missing
//    column added by `ALTER TABLE ... ADD COLUMN` first.
import { Client } from "pg";
import { Change, Relation, changes, decode } from "./pgoutput";

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

export class SimulatedSource {
    private readonly relations = new Map<number, Relation>();

    /** `client` is logged in as the replication role. */
    constructor(
        private readonly client: Client,
        private readonly slot: string,
        private readonly publication: string,
    ) {}

    /** Consumes the slot's pending changes, as the streaming connector would. */
    async read(): Promise<Change[]> {
        return this.fetch("get", "none");
    }

    /** Shows pending changes without consuming them; `origin: any` also shows the sink's tagged writes. */
    async peek(origin: "none" | "any"): Promise<Change[]> {
        return this.fetch("peek", origin);
    }

    /** The initial snapshot (snapshot.mode=initial): every row of `tables` as an insert. */
    async snapshot(tables: readonly { schema: string; name: string }[]): Promise<Change[]> {
        const out: Change[] = [];
        for (const t of tables) {
            const from = `${q(t.schema)}.${q(t.name)}`;
            const shape = await this.client.query(`SELECT * FROM ${from} LIMIT 0`);
            const relation: Relation = {
                id: 0,
                schema: t.schema,
                name: t.name,
                columns: shape.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID, typmod: f.dataTypeModifier })),
            };
            // Text values, as pgoutput sends them.
            const rows = await this.client.query({ text: `SELECT ${shape.fields.map((f) => `${q(f.name)}::text`).join(", ")} FROM ${from}`, rowMode: "array" });
            for (const values of rows.rows as (string | null)[][]) {
                out.push({ op: "insert", relation, row: Object.fromEntries(relation.columns.map((c, i) => [c.name, values[i]])) });
            }
        }
        return out;
    }

    private async fetch(mode: "get" | "peek", origin: "none" | "any"): Promise<Change[]> {
        const res = await this.client.query<{ data: Buffer }>(
            `SELECT data FROM pg_logical_slot_${mode}_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2, 'origin', $3)`,
            [this.slot, this.publication, origin],
        );
        return changes(res.rows.map((r) => decode(r.data)), this.relations);
    }
}

export interface SinkOptions {
    /** Record-key columns per `schema.table` (unquoted, dot-joined): what Debezium puts in the record key. */
    readonly keys: ReadonlyMap<string, readonly string[]>;
    readonly schemaEvolution: boolean;
}

export class SimulatedSink {
    /** `client` is logged in as the sink role of the target database (tagged by the login trigger). */
    constructor(
        private readonly client: Client,
        private readonly options: SinkOptions,
    ) {}

    /** Applies one poll's worth of changes; `reverse` feeds them in reverse order to show order does not matter. */
    async apply(batch: readonly Change[], reverse = false): Promise<void> {
        const buffers = new Map<string, Change[]>();
        for (const c of reverse ? [...batch].reverse() : batch) {
            if (c.op === "delete") continue; // delete.enabled=false
            const key = `${c.relation.schema}.${c.relation.name}`;
            buffers.set(key, [...(buffers.get(key) ?? []), c]);
        }
        for (const [table, records] of buffers) await this.flush(table, records);
    }

    private async flush(table: string, records: Change[]): Promise<void> {
        const { schema, name } = records[0].relation;
        const target = `${q(schema)}.${q(name)}`;
        const keys = this.options.keys.get(table);
        if (!keys) throw new Error(`sink: no record key known for ${table}`);
        if (this.options.schemaEvolution) await this.addMissingColumns(target, records[0].relation);
        const columns = records[0].relation.columns.map((c) => c.name);
        const nonKeys = columns.filter((c) => !keys.includes(c));
        const ordered = [...keys, ...nonKeys];
        const sql =
            `INSERT INTO ${target} (${ordered.map(q).join(",")}) VALUES (${ordered.map((_, i) => `$${i + 1}`).join(",")}) ` +
            `ON CONFLICT (${keys.map(q).join(",")}) DO UPDATE SET ${nonKeys.map((c) => `${q(c)}=EXCLUDED.${q(c)}`).join(",")}`;
        await this.client.query("BEGIN");
        try {
            for (const r of records) await this.client.query(sql, ordered.map((c) => r.row[c]));
            await this.client.query("COMMIT");
        } catch (e) {
            await this.client.query("ROLLBACK");
            throw e;
        }
    }

    private async addMissingColumns(target: string, relation: Relation): Promise<void> {
        const present = await this.client.query<{ attname: string }>(
            `SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
            [target],
        );
        const have = new Set(present.rows.map((r) => r.attname));
        for (const c of relation.columns.filter((col) => !have.has(col.name))) {
            const type = await this.client.query<{ t: string }>(`SELECT format_type($1, $2) AS t`, [c.typeOid, c.typmod]);
            await this.client.query(`ALTER TABLE ${target} ADD COLUMN ${q(c.name)} ${type.rows[0].t} NULL`);
        }
    }
}
