// Upgrading: the `local` stack deployed by the previous layout (its code and its stack file with the deprecated
// keys), then previewed by this code with the current stack file (tests/integration/fixture.ts). Nothing may be
// replaced, deleted or created: every resource moved (aliases) or kept its name.
import * as assert from "assert";
import { migration, PREVIOUS_LAYOUT } from "./fixture";

describe(`upgrading a stack deployed by the previous layout (${PREVIOUS_LAYOUT.slice(0, 7)})`, () => {
    it("previews no replace, no delete and no create: every resource is found where it moved", function () {
        const m = migration();
        // Reported as skipped, never as passed, when the fixture could not deploy the previous layout.
        if ("skipped" in m) return this.skip();
        const structural = m.steps.filter((s) => s.op !== "update");
        assert.deepStrictEqual(structural, [], `steps that would touch state:\n${structural.map((s) => `${s.op} ${s.urn} [${s.diffs.join(", ")}]`).join("\n")}`);
    });

    it("previews no update either: every resource unchanged, as the CLI counts them", function () {
        const m = migration();
        if ("skipped" in m) return this.skip();
        // The engine re-registers the default dynamic-provider plugin (an `update` event with no diff) when the
        // program's directory changes; the CLI counts it as nothing. Every resource of the stack must be `same`.
        const resources = m.steps.filter((s) => !s.urn.includes("::pulumi:providers:"));
        assert.deepStrictEqual(resources, [], resources.map((s) => `${s.op} ${s.urn} [${s.diffs.join(", ")}]`).join("\n"));
        assert.deepStrictEqual(Object.keys(m.summary), ["same"], JSON.stringify(m.summary));
        assert.ok(m.summary.same > 30, `only ${m.summary.same} resources previewed: was the previous layout deployed?`);
    });
});
