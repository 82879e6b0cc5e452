// Duplicate change events, counted in the topics a direction's sink reads, as a sink reads them (committed records
// only). A duplicate is a second record of one change: the same table row (key), operation and source LSN. The sinks
// are idempotent, so duplicates never show in the rows; they are work done twice, and the measure of exactly-once
// sources (docs/faults.md).
import axios from "axios";
import { Offsets, readCommitted, topicBounds } from "./topics";

/** Where each topic's partitions ended, per direction: the start of a count. */
export interface TopicMarks {
    readonly bootstrapServers: string;
    /** direction (`db1 -> db2`) -> topic -> partition -> offset. */
    readonly ends: Readonly<Record<string, Offsets>>;
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

/** Marks where every topic of every direction ends now. */
export async function markTopics(bootstrapServers: string, connectUrl: string, directions: readonly { direction: string; sink: string }[]): Promise<TopicMarks> {
    const topics = await directionTopics(connectUrl, directions);
    const ends: Record<string, Offsets> = {};
    for (const [direction, list] of Object.entries(topics)) ends[direction] = (await topicBounds(bootstrapServers.split(","), list)).high;
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
    const brokers = marks.bootstrapServers.split(",");
    const out: Record<string, { records: number; duplicates: number }> = {};
    for (const [direction, from] of Object.entries(marks.ends)) {
        const { high } = await topicBounds(brokers, Object.keys(from));
        const seen = new Set<string>();
        const counted = { records: 0, duplicates: 0 };
        await readCommitted(brokers, from, high, (topic, _partition, m) => {
            counted.records++;
            const id = changeIdentity(topic, m.key?.toString() ?? null, m.value?.toString() ?? null);
            if (id !== undefined && seen.has(id)) counted.duplicates++;
            else if (id !== undefined) seen.add(id);
        });
        out[direction] = counted;
    }
    return out;
}
