// Duplicate change events, counted in the topics a direction's sink reads, as a sink reads them (committed records
// only). A duplicate is a second record of one change: the same table row (key), operation and source LSN. The sinks
// are idempotent, so duplicates never show in the rows; they are work done twice, and the measure of exactly-once
// sources (docs/faults.md).
import axios from "axios";
import { withAdmin } from "../../components/platform/topic";

/** Where each topic's partitions ended, per direction: the start of a count. */
export interface TopicMarks {
    readonly bootstrapServers: string;
    /** direction (`db1 -> db2`) -> topic -> partition -> offset. */
    readonly ends: Readonly<Record<string, Readonly<Record<string, Readonly<Record<number, number>>>>>>;
}

/** The topics each direction's sink reads (its `topics` config), by direction. */
async function directionTopics(connectUrl: string, directions: readonly { direction: string; sink: string }[]): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const d of directions) {
        const { data } = await axios.get<Record<string, string>>(`${connectUrl}/connectors/${d.sink}/config`, { timeout: 5000 });
        out[d.direction] = data.topics.split(",").map((t) => t.trim());
    }
    return out;
}

async function endOffsets(bootstrapServers: string, topics: readonly string[]): Promise<Record<string, Record<number, number>>> {
    return withAdmin(bootstrapServers, async (admin) => {
        const out: Record<string, Record<number, number>> = {};
        for (const t of topics) out[t] = Object.fromEntries((await admin.fetchTopicOffsets(t)).map((p) => [p.partition, Number(p.high)]));
        return out;
    });
}

/** Marks where every topic of every direction ends now. */
export async function markTopics(bootstrapServers: string, connectUrl: string, directions: readonly { direction: string; sink: string }[]): Promise<TopicMarks> {
    const topics = await directionTopics(connectUrl, directions);
    const ends: Record<string, Record<string, Record<number, number>>> = {};
    for (const [direction, list] of Object.entries(topics)) ends[direction] = await endOffsets(bootstrapServers, list);
    return { bootstrapServers, ends };
}

/** The identity of one change in a Debezium record: table (topic), key, operation and LSN. */
export function changeIdentity(topic: string, key: string | null, value: string | null): string | undefined {
    if (value === null) return undefined;
    const payload = JSON.parse(value)?.payload;
    const lsn = payload?.source?.lsn;
    if (lsn === undefined || lsn === null) return undefined;
    const k = key === null ? "" : JSON.stringify(JSON.parse(key)?.payload ?? key);
    return `${topic}|${k}|${payload.op}|${lsn}`;
}

/**
 * Per direction: the change records written since `marks` and how many of them repeat a change already counted.
 * Reads committed records only (as the sinks do), up to where each partition ends when called.
 */
export async function countDuplicates(marks: TopicMarks): Promise<Record<string, { records: number; duplicates: number }>> {
    const { Kafka, logLevel }: typeof import("kafkajs") = require("kafkajs");
    const out: Record<string, { records: number; duplicates: number }> = {};
    for (const [direction, topics] of Object.entries(marks.ends)) {
        const until = await endOffsets(marks.bootstrapServers, Object.keys(topics));
        const seen = new Set<string>();
        let records = 0;
        let duplicates = 0;
        const kafka = new Kafka({ brokers: marks.bootstrapServers.split(","), clientId: "cdc-sync-duplicates", logLevel: logLevel.NOTHING });
        const consumer = kafka.consumer({ groupId: `cdc-sync-duplicates-${Date.now()}-${Math.random().toString(36).slice(2)}`, readUncommitted: false });
        const left = new Set(Object.entries(until).flatMap(([t, ps]) => Object.entries(ps).filter(([p, end]) => end > (topics[t][Number(p)] ?? 0)).map(([p]) => `${t}/${p}`)));
        try {
            await consumer.connect();
            for (const t of Object.keys(topics)) await consumer.subscribe({ topic: t, fromBeginning: true });
            let lastBatch: number | undefined;
            await consumer.run({
                autoCommit: false,
                eachBatch: async ({ batch }) => {
                    lastBatch = Date.now();
                    const [from, end] = [topics[batch.topic][batch.partition] ?? 0, until[batch.topic][batch.partition]];
                    for (const m of batch.messages) {
                        const offset = Number(m.offset);
                        if (offset < from) continue;
                        if (offset >= end) break;
                        records++;
                        const id = changeIdentity(batch.topic, m.key?.toString() ?? null, m.value?.toString() ?? null);
                        if (id !== undefined && seen.has(id)) duplicates++;
                        else if (id !== undefined) seen.add(id);
                        if (offset >= end - 1) left.delete(`${batch.topic}/${batch.partition}`);
                    }
                },
            });
            for (const [t, ps] of Object.entries(topics)) for (const [p, offset] of Object.entries(ps)) consumer.seek({ topic: t, partition: Number(p), offset: String(offset) });
            // Done when every partition reached its end; committed reads skip transaction markers, so a partition whose
            // last offsets are markers never shows its last one: nothing more for 5 s after a batch ends it too.
            const started = Date.now();
            while (left.size > 0 && (lastBatch === undefined ? Date.now() - started < 60_000 : Date.now() - lastBatch < 5000)) await new Promise((r) => setTimeout(r, 200));
            if (lastBatch === undefined && left.size > 0) throw new Error(`duplicate count for ${direction}: nothing read in 60 s (${[...left].join(", ")})`);
        } finally {
            await consumer.disconnect();
        }
        out[direction] = { records, duplicates };
    }
    return out;
}
