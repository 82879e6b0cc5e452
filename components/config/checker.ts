// The ground floor of stack config: collects every problem of one run, each naming its full key
// (`cdc-sync:pipelines[1].tables[0].primaryKey`) and what was expected. Pure; imports nothing of the project.

export const NAMESPACE = "cdc-sync";

export class ConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
        this.name = "ConfigError";
    }
}

export const NAME = /^[a-z][a-z0-9-]{0,30}$/;
/** A DNS name; its last label is not all digits (RFC 3696 2), so a mistyped IPv4 address (`10.0.0.300`) is not one. */
export const HOSTNAME = /^(?=.{1,253}$)(?!(.*\.)?\d+$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
export const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A service bound to a server's address and port; two of them on one address:port cannot both start. */
export interface Bind {
    /** The config key that chose the port, for the error message. */
    readonly key: string;
    readonly server: string;
    readonly port: number;
}

/** Collects problems so one run reports all of them, not just the first. */
export class Checker {
    readonly problems: string[] = [];
    /** Not errors: said once per run (e.g. a deprecated key). */
    readonly warnings: string[] = [];

    fail(key: string, expected: string, got: unknown): undefined {
        this.problems.push(`${NAMESPACE}:${key}: expected ${expected}, got ${describeValue(got)}`);
        return undefined;
    }

    /** A problem that is not "expected X, got Y" (a clash between two keys, a secret never echoed). */
    say(key: string, message: string): undefined {
        this.problems.push(`${NAMESPACE}:${key}: ${message}`);
        return undefined;
    }

    object(key: string, v: unknown): Record<string, unknown> | undefined {
        if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
        return this.fail(key, "an object", v);
    }

    port(key: string, v: unknown, dflt: number): number {
        if (v === undefined) return dflt;
        if (typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 65535) return v;
        this.fail(key, "a TCP port (integer 1-65535)", v);
        return dflt;
    }

    name(key: string, v: unknown): string | undefined {
        if (typeof v === "string" && NAME.test(v)) return v;
        return this.fail(key, "a name of lowercase letters, digits and '-' starting with a letter", v);
    }

    /** A string passing `test`, or `dflt` when absent (and a default is given). */
    string(key: string, v: unknown, expected: string, test: (s: string) => boolean, dflt?: string): string | undefined {
        if (v === undefined && dflt !== undefined) return dflt;
        if (typeof v === "string" && test(v)) return v;
        return this.fail(key, expected, v);
    }

    oneOf<T extends string>(key: string, v: unknown, values: readonly T[], dflt: T): T {
        if (v === undefined) return dflt;
        if (typeof v === "string" && (values as readonly string[]).includes(v)) return v as T;
        this.fail(key, `one of ${values.map((x) => JSON.stringify(x)).join(", ")}`, v);
        return dflt;
    }

    unknownFields(key: string, obj: Record<string, unknown>, allowed: readonly string[]): void {
        for (const f of Object.keys(obj)) {
            if (!allowed.includes(f)) this.fail(`${key}.${f}`, `no such field (allowed: ${allowed.join(", ")})`, obj[f]);
        }
    }
}

function describeValue(v: unknown): string {
    if (v === undefined) return "nothing";
    const s = JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export function parseJson(raw: string | undefined): unknown {
    if (raw === undefined) return undefined;
    try {
        return JSON.parse(raw);
    } catch {
        return raw; // a plain string value: validation says what was expected instead
    }
}

/** A reference to one of the declared servers (`cdc-sync:servers`). */
export function serverRef(c: Checker, key: string, v: unknown, servers: readonly { readonly name: string }[]): string | undefined {
    const names = servers.map((s) => s.name);
    if (typeof v === "string" && names.includes(v)) return v;
    return c.fail(key, `one of the declared servers (${names.join(", ") || "none declared"})`, v);
}

/** "run it on `server`" or "adopt it at `adoptField`": exactly one of the two. */
export function runOrAdopt(c: Checker, key: string, o: Record<string, unknown>, adoptField: string): "run" | "adopt" | undefined {
    if ((o.server === undefined) !== (o[adoptField] === undefined)) return o.server !== undefined ? "run" : "adopt";
    c.fail(key, `exactly one of server (the stack runs it there) and ${adoptField} (adopt a running one)`, o);
    return undefined;
}
