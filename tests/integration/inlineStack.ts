// A stack of components under test, as an inline Automation API program, deployed for real next to the
// platform fixture's stack: same backend, same passphrase, its own stack name (so its own containers and
// volumes, by label). The work directory links the repo's node_modules, because the dynamic-provider host
// resolves the providers' modules (dockerode, mysql2) from there.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { ownedByStack, REPO_ROOT } from "./harness";
import { platform } from "./fixture";

export interface InlineStack {
    readonly stack: Stack;
    readonly logFile: string;
    log(line: string): void;
}

export async function openInlineStack(stackName: string, program: PulumiFn): Promise<InlineStack> {
    const existing = await ownedByStack(stackName);
    if (existing.containers.length + existing.volumes.length > 0) {
        throw new Error(`the engine already has ${[...existing.containers, ...existing.volumes].join(", ")} of a '${stackName}' stack; destroy it first`);
    }
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-sync-itest-inline-"));
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(workDir, "node_modules"));
    const fixture = platform().test.stack.workspace as LocalWorkspace;
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName, projectName: "cdc-sync-itest", program },
        { workDir, envVars: { ...fixture.envVars } },
    );
    const logFile = path.join(workDir, "pulumi.log");
    return { stack, logFile, log: (line) => fs.appendFileSync(logFile, line) };
}

/** Polls `check` until it stops throwing; rethrows its last error after `seconds`. */
export async function eventually<T>(seconds: number, check: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
        try {
            return await check();
        } catch (e) {
            if (Date.now() > deadline) throw e;
            await new Promise((r) => setTimeout(r, 1000));
        }
    }
}
