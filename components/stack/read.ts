// Reads the current stack's configuration from the Pulumi runtime and validates it (./load.ts).
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, NAMESPACE } from "../config/checker";
import { loadStackConfig, StackConfig } from "./load";

// Marked @internal in the SDK typings, but it is the SDK's own answer to "did the engine hand us this
// key as a secret?", which is exactly what the plain-text-password check needs.
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

/** The validated stack config and, separately, the secret values (as Pulumi secrets). */
export interface LoadedStack {
    readonly config: StackConfig;
    /** Connector secrets by name; a Pulumi secret, so it stays encrypted in state and masked in output. */
    readonly connectorSecrets: pulumi.Output<Record<string, string>>;
    /** Passwords the operator pinned, by name; a Pulumi secret (generated ones: components/secrets). */
    readonly passwords: pulumi.Output<Record<string, string>>;
}

export function readStackConfig(): LoadedStack {
    const all = pulumi.runtime.allConfig();
    const values: Record<string, string> = {};
    const secretKeys = new Set<string>();
    for (const [full, value] of Object.entries(all)) {
        const [ns, key] = full.split(":", 2);
        if (ns !== NAMESPACE || key === undefined) continue;
        values[key] = value;
        if (isConfigSecret(full)) secretKeys.add(key);
    }
    let config: StackConfig;
    try {
        config = loadStackConfig({ values, secretKeys });
    } catch (e) {
        // A RunError is printed as its message alone: the problems, not a stack trace around them.
        if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
        throw e;
    }
    for (const w of config.warnings) pulumi.log.warn(w);
    const secretMap = (key: string): pulumi.Output<Record<string, string>> => pulumi.secret<Record<string, string>>(values[key] ? JSON.parse(values[key]) : {});
    return { config, connectorSecrets: secretMap("connectorSecrets"), passwords: secretMap("passwords") };
}
