// Just enough of the pgoutput protocol (version 1, what Debezium requests) to read a slot the way the
// Debezium PostgreSQL source does: Begin, Origin, Relation, Type, Insert, Update, Delete, Truncate, Commit.

export interface Relation {
    readonly id: number;
    readonly schema: string;
    readonly name: string;
    readonly columns: readonly { name: string; typeOid: number; typmod: number }[];
}

/** A row change as the source sees it: column name -> text value (null for SQL NULL). */
export interface Change {
    readonly op: "insert" | "update" | "delete";
    readonly relation: Relation;
    readonly row: Readonly<Record<string, string | null>>;
    /** Origin of the transaction, when one was set (never, with origin=none). */
    readonly origin?: string;
}

export type Message =
    | { kind: "begin"; xid: number }
    | { kind: "commit" }
    | { kind: "origin"; name: string }
    | { kind: "relation"; relation: Relation }
    | { kind: "type" }
    | { kind: "truncate" }
    | { kind: "change"; op: Change["op"]; relationId: number; row: (string | null)[] };

class Reader {
    private at = 0;
    constructor(private readonly b: Buffer) {}
    byte(): string {
        return String.fromCharCode(this.b[this.at++]);
    }
    int8(): number {
        return this.b.readInt8(this.at++);
    }
    int16(): number {
        const v = this.b.readInt16BE(this.at);
        this.at += 2;
        return v;
    }
    int32(): number {
        const v = this.b.readInt32BE(this.at);
        this.at += 4;
        return v;
    }
    skip(n: number): void {
        this.at += n;
    }
    cstring(): string {
        const end = this.b.indexOf(0, this.at);
        const s = this.b.toString("utf8", this.at, end);
        this.at = end + 1;
        return s;
    }
    bytes(n: number): string {
        const s = this.b.toString("utf8", this.at, this.at + n);
        this.at += n;
        return s;
    }
}

function tuple(r: Reader): (string | null)[] {
    const n = r.int16();
    const values: (string | null)[] = [];
    for (let i = 0; i < n; i++) {
        const kind = r.byte();
        if (kind === "n") values.push(null);
        else if (kind === "t") values.push(r.bytes(r.int32()));
        // 'u' (unchanged TOAST) cannot occur: setup makes replica identity FULL.
        else throw new Error(`pgoutput: unexpected tuple value kind ${kind}`);
    }
    return values;
}

/** Decodes one message of the binary output of pg_logical_slot_get_binary_changes. */
export function decode(data: Buffer): Message {
    const r = new Reader(data);
    const tag = r.byte();
    switch (tag) {
        case "B":
            r.skip(16); // final LSN, commit time
            return { kind: "begin", xid: r.int32() };
        case "C":
            return { kind: "commit" };
        case "O":
            r.skip(8);
            return { kind: "origin", name: r.cstring() };
        case "R": {
            const id = r.int32();
            const schema = r.cstring();
            const name = r.cstring();
            r.int8(); // replica identity
            const n = r.int16();
            const columns = [];
            for (let i = 0; i < n; i++) {
                r.int8(); // flags (part of the replica identity)
                columns.push({ name: r.cstring(), typeOid: r.int32(), typmod: r.int32() });
            }
            return { kind: "relation", relation: { id, schema, name, columns } };
        }
        case "Y":
            return { kind: "type" };
        case "T":
            return { kind: "truncate" };
        case "I": {
            const relationId = r.int32();
            r.byte(); // 'N'
            return { kind: "change", op: "insert", relationId, row: tuple(r) };
        }
        case "U": {
            const relationId = r.int32();
            let k = r.byte();
            if (k === "K" || k === "O") {
                tuple(r); // old key or old row
                k = r.byte();
            }
            return { kind: "change", op: "update", relationId, row: tuple(r) };
        }
        case "D": {
            const relationId = r.int32();
            r.byte(); // 'K' or 'O'
            return { kind: "change", op: "delete", relationId, row: tuple(r) };
        }
        default:
            throw new Error(`pgoutput: unexpected message ${tag}`);
    }
}

/** Turns decoded messages into changes; `relations` persists across reads (a relation is sent once per read). */
export function changes(messages: readonly Message[], relations: Map<number, Relation>): Change[] {
    const out: Change[] = [];
    let origin: string | undefined;
    for (const m of messages) {
        if (m.kind === "begin") origin = undefined;
        else if (m.kind === "origin") origin = m.name;
        else if (m.kind === "relation") relations.set(m.relation.id, m.relation);
        else if (m.kind === "change") {
            const relation = relations.get(m.relationId);
            if (!relation) throw new Error(`pgoutput: change for unknown relation ${m.relationId}`);
            const row = Object.fromEntries(relation.columns.map((c, i) => [c.name, m.row[i]]));
            out.push({ op: m.op, relation, row, ...(origin ? { origin } : {}) });
        }
    }
    return out;
}
