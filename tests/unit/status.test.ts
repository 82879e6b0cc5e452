// The status command's pure parts (scripts/status.ts): when a sink counts as stalled.
import * as assert from "assert";
import { isStalled } from "../../scripts/status";

describe("status: a stalled sink", () => {
    const cases: { name: string; first?: { lag: number; committed: number }; second?: { lag: number; committed: number }; want: boolean | undefined }[] = [
        { name: "records to read and nothing committed between the readings", first: { lag: 40, committed: 1000 }, second: { lag: 90, committed: 1000 }, want: true },
        { name: "records to read but commits going on (a busy sink, not a stalled one)", first: { lag: 40, committed: 1000 }, second: { lag: 60, committed: 1030 }, want: false },
        { name: "nothing to read: an idle sink commits nothing either", first: { lag: 0, committed: 1000 }, second: { lag: 0, committed: 1000 }, want: false },
        { name: "caught up by the second reading", first: { lag: 40, committed: 1000 }, second: { lag: 0, committed: 1000 }, want: false },
        { name: "Kafka did not answer one reading: unknown", first: { lag: 40, committed: 1000 }, second: undefined, want: undefined },
    ];
    for (const c of cases) it(c.name, () => assert.strictEqual(isStalled(c.first, c.second), c.want));
});
