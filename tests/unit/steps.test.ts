// Settings a running container may only move one step per `up` along (components/docker/steps.ts): Connect's
// exactly-once source support, which Kafka requires to pass through `preparing` on a running cluster.
import * as assert from "assert";
import { containerProvider, ContainerInputs } from "../../components/docker/container";
import { stepSettings } from "../../components/docker/steps";
import { EXACTLY_ONCE_STEPS } from "../../components/platform/properties";

const STEPS = [{ ...EXACTLY_ONCE_STEPS, env: "CDC_PROPERTIES", why: "the reason" }];
const file = (value?: string) => ["group.id=g", ...(value ? [`exactly.once.source.support=${value}`] : []), "listeners=http://10.0.0.1:8083"].join("\n");

describe("settings that move one step per up", () => {
    const cases: { name: string; olds?: string; news: string; runs: string; held?: RegExp }[] = [
        { name: "a new worker takes enabled at once", news: "enabled", runs: "enabled" },
        { name: "a running worker without the setting is held at preparing", olds: "", news: "enabled", runs: "preparing", held: /^exactly\.once\.source\.support=preparing in this up, not enabled \(the reason\); the next up sets enabled$/ },
        { name: "disabled is held at preparing too", olds: "disabled", news: "enabled", runs: "preparing", held: /preparing in this up/ },
        { name: "from preparing, enabled is the next step", olds: "preparing", news: "enabled", runs: "enabled" },
        { name: "enabled stays enabled", olds: "enabled", news: "enabled", runs: "enabled" },
        { name: "turning it off is one step back, taken as asked", olds: "enabled", news: "disabled", runs: "disabled" },
        { name: "a value outside the order is taken as asked (Connect refuses it itself)", olds: "sometimes", news: "enabled", runs: "enabled" },
    ];
    for (const c of cases) {
        it(c.name, () => {
            const olds = c.olds === undefined ? undefined : { CDC_PROPERTIES: file(c.olds || undefined), CDC_HEAP: "-Xmx1g" };
            const { env, held } = stepSettings(olds, { CDC_PROPERTIES: file(c.news), CDC_HEAP: "-Xmx1g" }, STEPS);
            assert.strictEqual(env.CDC_PROPERTIES, file(c.runs));
            assert.strictEqual(env.CDC_HEAP, "-Xmx1g");
            if (c.held) {
                assert.strictEqual(held.length, 1);
                assert.match(held[0], c.held);
            } else assert.deepStrictEqual(held, []);
        });
    }

    it("the container provider's check holds it and says so in the preview; the next check moves it on", async () => {
        const base = {
            engine: { kind: "local" },
            name: "cdc-sync-local-connect-server1",
            image: "sha256:1",
            args: ["connect"],
            env: { CDC_PROPERTIES: file() },
            volumes: {},
            labels: {},
            memoryMiB: 1536,
            ready: { address: "10.0.0.1", port: 8083, timeoutSeconds: 240 },
            rollsAfter: "one worker at a time",
            steps: STEPS,
        } as unknown as ContainerInputs;
        const asked = { ...base, env: { CDC_PROPERTIES: file("enabled") } };
        const first = (await containerProvider.check!(base, asked)).inputs as ContainerInputs & { effect?: string };
        assert.strictEqual(first.env.CDC_PROPERTIES, file("preparing"));
        assert.match(first.effect ?? "", /^restarts: .*\(env changed\), one worker at a time; its volumes are kept; it runs exactly\.once\.source\.support=preparing in this up, not enabled/);
        const second = (await containerProvider.check!(first, asked)).inputs as ContainerInputs & { effect?: string };
        assert.strictEqual(second.env.CDC_PROPERTIES, file("enabled"));
        assert.doesNotMatch(second.effect ?? "", /preparing/);
        const created = (await containerProvider.check!({} as ContainerInputs, asked)).inputs as ContainerInputs;
        assert.strictEqual(created.env.CDC_PROPERTIES, file("enabled"));
    });
});
