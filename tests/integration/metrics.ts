// Reading a Prometheus endpoint as a scraper would: the text exposition format, parsed into samples.
import axios from "axios";

/** One sample: `name{labels} value`. */
export interface Sample {
    readonly name: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly value: number;
}

/** The samples of a text exposition (comments and blank lines skipped). */
export function parseMetrics(text: string): Sample[] {
    const out: Sample[] = [];
    for (const line of text.split("\n")) {
        const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
        if (!m || line.startsWith("#")) continue;
        const labels: Record<string, string> = {};
        for (const l of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
        out.push({ name: m[1], labels, value: Number(m[3]) });
    }
    return out;
}

/** GET `url` and parse it; throws when it does not answer 200. */
export async function scrape(url: string): Promise<Sample[]> {
    const res = await axios.get<string>(url, { timeout: 10_000, responseType: "text", transformResponse: (x) => x });
    return parseMetrics(res.data);
}

/** The samples named `name` whose labels include `labels`. */
export function samples(all: readonly Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
    return all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}
