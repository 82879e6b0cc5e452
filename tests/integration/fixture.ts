// The integration suite's platform: importing this module registers root-level hooks (once, by module
// caching) that bring the platform stack up before every integration test file and destroy it after
// them, with the engine checked for leftovers. Test files read it through `platform()`.
// CDC_SYNC_ITEST_STACK picks another stack file of the repo (default: the `local` stack).
import * as assert from "assert";
import { OutputMap } from "@pulumi/pulumi/automation";
import { openStack, ownedByStack, TestStack } from "./harness";

export interface Platform {
    readonly stackName: string;
    readonly test: TestStack;
    readonly outputs: OutputMap;
    readonly bootstrapServers: string[];
    readonly connectUrls: string[];
}

let opened: { test: TestStack; stackName: string } | undefined;
let current: Platform | undefined;

/** The deployed platform; only valid inside integration tests. */
export function platform(): Platform {
    if (!current) throw new Error("the platform fixture did not come up (see the root hook's error above)");
    return current;
}

before(async function () {
    this.timeout(30 * 60 * 1000);
    const stackName = process.env.CDC_SYNC_ITEST_STACK ?? "local";
    const test = await openStack(stackName);
    opened = { test, stackName };
    const up = await test.stack.up({ onOutput: test.log });
    assert.strictEqual(up.summary.result, "succeeded", `up failed; see ${test.logFile}`);
    current = {
        stackName,
        test,
        outputs: up.outputs,
        bootstrapServers: (up.outputs.bootstrapServers.value as string).split(","),
        connectUrls: (up.outputs.placement.value.connectWorkers as { url: string }[]).map((w) => w.url),
    };
});

// Also after a failed `up`: whatever it created is destroyed, so a failed run leaves nothing running.
after(async function () {
    this.timeout(10 * 60 * 1000);
    if (!opened) return;
    const { test, stackName } = opened;
    opened = current = undefined;
    await test.stack.destroy({ onOutput: test.log });
    assert.deepStrictEqual(await ownedByStack(stackName), { containers: [], volumes: [], networks: [] }, "destroy left things behind");
});
