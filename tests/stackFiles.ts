// Stack configurations shared by the tests: the two stack files of the repo, read as Pulumi reads
// them, so the tests check the configs users actually get.
import * as fs from "fs";
import * as path from "path";
import * as assert from "assert";
import { ConfigError } from "../components/config/checker";
import { loadStackConfig, RawConfig } from "../components/stack/load";

/** The tracked file of a stack's settings: `stacks/<stack>.yaml` for this machine's own stacks, else `Pulumi.<stack>.yaml`. */
function stackFilePath(stack: string): string {
    const own = path.join(__dirname, "..", "stacks", `${stack}.yaml`);
    return fs.existsSync(own) ? own : path.join(__dirname, "..", `Pulumi.${stack}.yaml`);
}

/** Parses a stack's tracked settings (stackFilePath) into the raw form loadStackConfig takes (values as JSON strings). */
export function stackFile(stack: string): RawConfig {
    // js-yaml ships with @pulumi/pulumi; it is what the CLI's YAML means for our plain maps and lists.
    const yaml: typeof import("js-yaml") = require("js-yaml");
    const doc = yaml.load(fs.readFileSync(stackFilePath(stack), "utf8")) as {
        config: Record<string, unknown>;
    };
    const values: Record<string, string> = {};
    const secretKeys = new Set<string>();
    for (const [full, v] of Object.entries(doc.config)) {
        const key = full.replace(/^cdc-sync:/, "");
        if (holdsSecret(v)) {
            values[key] = JSON.stringify(redacted(v));
            secretKeys.add(key);
        } else values[key] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return { values, secretKeys };
}

/** `pulumi config set --secret [--path]` stores `{ secure: ... }` at the value or somewhere inside it. */
function holdsSecret(v: unknown): boolean {
    if (!v || typeof v !== "object") return false;
    return "secure" in (v as object) || Object.values(v as object).some(holdsSecret);
}

/** The value with each `{ secure: ... }` replaced by a placeholder: a map of secrets stays a map. */
function redacted(v: unknown): unknown {
    if (!v || typeof v !== "object") return v;
    if ("secure" in (v as object)) return "<encrypted>";
    if (Array.isArray(v)) return v.map(redacted);
    return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, redacted(x)]));
}

/** A raw config from plain objects, for table-driven cases. */
export function raw(values: Record<string, unknown>, secretKeys: string[] = []): RawConfig {
    return {
        values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
        secretKeys: new Set(secretKeys),
    };
}

/** A valid two-server config that cases below break one field at a time. */
export const VALID = {
    servers: { server1: { engine: "local", address: "127.0.0.11" }, server2: { engine: "local", address: "127.0.0.12" } },
    zookeeper: { server: "server1" },
    brokers: [
        { id: 1, server: "server1" },
        { id: 2, server: "server2" },
    ],
    connect: { workers: ["server1", "server2"] },
};

/** The problems loadStackConfig reports for a config of plain objects; none when it accepts it. */
export function errorsOf(values: Record<string, unknown>, secretKeys: string[] = []): string[] {
    try {
        loadStackConfig(raw(values, secretKeys));
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
        return [...e.problems];
    }
    return [];
}
