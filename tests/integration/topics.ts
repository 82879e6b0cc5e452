// Reading Kafka topics as a sink does: committed records only. With exactly-once sources (and Connect's transactional
// leader writing its config topic) a partition's offsets also hold transaction markers, which no consumer sees: the
// high watermark minus the low one is not a record count, and the record at `high - 1` may never arrive.
import { Kafka, KafkaMessage, logLevel } from "kafkajs";

/** Partition -> offset, per topic. */
export type Offsets = Record<string, Record<number, number>>;

/** Where each partition of `topics` starts (`low`) and ends (`high`, the next offset to be written) now. */
export async function topicBounds(brokers: readonly string[], topics: readonly string[]): Promise<{ low: Offsets; high: Offsets }> {
    const admin = new Kafka({ clientId: "itest-topics", brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
        const [low, high]: [Offsets, Offsets] = [{}, {}];
        for (const t of topics) {
            const parts = await admin.fetchTopicOffsets(t);
            low[t] = Object.fromEntries(parts.map((p) => [p.partition, Number(p.low)]));
            high[t] = Object.fromEntries(parts.map((p) => [p.partition, Number(p.high)]));
        }
        return { low, high };
    } finally {
        await admin.disconnect();
    }
}

/**
 * Calls `each` for every committed record from `from` up to (not including) `until`, in offset order per partition.
 * A partition is done at its record `until - 1`; one whose last offsets are markers shows no such record, so the
 * read also ends once nothing has come for 3 s after a batch (nothing at all for 60 s is an error).
 */
export async function readCommitted(
    brokers: readonly string[],
    from: Offsets,
    until: Offsets,
    each: (topic: string, partition: number, m: KafkaMessage) => void,
): Promise<void> {
    const left = new Set(
        Object.entries(until).flatMap(([t, ps]) =>
            Object.entries(ps)
                .filter(([p, end]) => end > (from[t]?.[Number(p)] ?? 0))
                .map(([p]) => `${t}/${p}`),
        ),
    );
    if (left.size === 0) return;
    const kafka = new Kafka({ clientId: "itest-reader", brokers: [...brokers], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `itest-reader-${Date.now()}-${Math.random().toString(36).slice(2)}`, readUncommitted: false });
    await consumer.connect();
    try {
        for (const t of Object.keys(until)) await consumer.subscribe({ topic: t, fromBeginning: true });
        let lastBatch: number | undefined;
        await consumer.run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
                lastBatch = Date.now();
                const [start, end] = [from[batch.topic]?.[batch.partition] ?? 0, until[batch.topic]?.[batch.partition] ?? 0];
                for (const m of batch.messages) {
                    const offset = Number(m.offset);
                    if (offset < start) continue;
                    if (offset >= end) break;
                    each(batch.topic, batch.partition, m);
                    if (offset >= end - 1) left.delete(`${batch.topic}/${batch.partition}`);
                }
            },
        });
        for (const [t, ps] of Object.entries(from)) for (const [p, offset] of Object.entries(ps)) consumer.seek({ topic: t, partition: Number(p), offset: String(offset) });
        const started = Date.now();
        while (left.size > 0 && (lastBatch === undefined ? Date.now() - started < 60_000 : Date.now() - lastBatch < 3000)) await new Promise((r) => setTimeout(r, 200));
        if (lastBatch === undefined) throw new Error(`nothing read in 60 s from ${[...left].join(", ")}`);
    } finally {
        await consumer.disconnect();
    }
}
