// Host-key verification for engines reached over SSH (docs/security.md): a server's key must be in the operator's
// known_hosts, as OpenSSH's `StrictHostKeyChecking yes` would have it. Without this, ssh2 accepts any key, and whoever
// answers at a server's address (a hijacked address, a man in the middle) would be given the stack's images,
// containers and secrets files. Pure, apart from reading the files, so the matching is tested table-driven
// (tests/unit/knownHosts.test.ts). Required inside dynamic-provider methods (through ./engine.ts): no imports.

/** One key line of a known_hosts file that names the host. */
export interface KnownKey {
    readonly file: string;
    readonly line: number;
    /** `ssh-ed25519`, `ecdsa-sha2-nistp256`, ... */
    readonly type: string;
    /** The key blob (what ssh2 hands a host verifier), base64 as in the file. */
    readonly key: string;
    readonly revoked: boolean;
}

/** How known_hosts names a host on a port: `host` for 22, `[host]:port` otherwise. */
export function hostPattern(host: string, port: number): string {
    return port === 22 ? host : `[${host}]:${port}`;
}

/** Whether one host field of a line (`a,b,[c]:2222`, `|1|salt|hash`, `*.example` or `!bad`) names `name`. */
function namesHost(field: string, name: string): boolean {
    const crypto: typeof import("crypto") = require("crypto");
    if (field.startsWith("|1|")) {
        const [, , salt, hash] = field.split("|");
        return crypto.createHmac("sha1", Buffer.from(salt ?? "", "base64")).update(name).digest("base64") === hash;
    }
    let matched = false;
    for (const p of field.split(",")) {
        const negated = p.startsWith("!");
        const glob = new RegExp(`^${(negated ? p.slice(1) : p).replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
        if (glob.test(name)) {
            if (negated) return false;
            matched = true;
        }
    }
    return matched;
}

/** The keys `text` (a known_hosts file) holds for `host:port`, `@revoked` ones marked; `@cert-authority` lines are not keys. */
export function knownKeys(file: string, text: string, host: string, port: number): KnownKey[] {
    const name = hostPattern(host, port);
    const out: KnownKey[] = [];
    text.split("\n").forEach((raw, i) => {
        const fields = raw.trim().split(/\s+/);
        if (fields[0] === "" || fields[0].startsWith("#")) return;
        const marker = fields[0].startsWith("@") ? fields.shift() : undefined;
        const [hosts, type, key] = fields;
        if (!hosts || !type || !key || marker === "@cert-authority") return;
        if (namesHost(hosts, name)) out.push({ file, line: i + 1, type, key, revoked: marker === "@revoked" });
    });
    return out;
}

/** The files searched, in order: CDC_SYNC_KNOWN_HOSTS (one path, e.g. a CI job's), else the user's and the system's. */
export function knownHostsFiles(env: NodeJS.ProcessEnv = process.env): string[] {
    const os: typeof import("os") = require("os");
    const path: typeof import("path") = require("path");
    if (env.CDC_SYNC_KNOWN_HOSTS) return [env.CDC_SYNC_KNOWN_HOSTS];
    return [path.join(os.homedir(), ".ssh", "known_hosts"), "/etc/ssh/ssh_known_hosts"];
}

/**
 * The verdict on the key `offered` (the raw blob ssh2 gives) for `host:port`: undefined to go on, else why not, in
 * words that name the host and what to do.
 */
export function hostKeyProblem(host: string, port: number, offered: Buffer, files: readonly { file: string; text: string }[]): string | undefined {
    const name = hostPattern(host, port);
    const keys = files.flatMap((f) => knownKeys(f.file, f.text, host, port));
    const offeredB64 = offered.toString("base64");
    const type = offered.length > 4 ? offered.subarray(4, 4 + offered.readUInt32BE(0)).toString("latin1") : "unknown";
    const crypto: typeof import("crypto") = require("crypto");
    const fingerprint = `SHA256:${crypto.createHash("sha256").update(offered).digest("base64").replace(/=+$/, "")}`;
    const revoked = keys.find((k) => k.revoked && k.key === offeredB64);
    if (revoked) return `the SSH host key of ${name} (${type} ${fingerprint}) is marked @revoked in ${revoked.file}:${revoked.line}: refusing to connect`;
    if (keys.some((k) => !k.revoked && k.key === offeredB64)) return undefined;
    const listed = keys.filter((k) => !k.revoked);
    if (listed.length > 0) {
        return (
            `the SSH host key of ${name} has CHANGED: it offered ${type} ${fingerprint}, which is not the key ${listed.map((k) => `${k.file}:${k.line}`).join(", ")} ` +
            `holds for it. Someone may be in the middle, or the server was reinstalled: refusing to connect. Check the new key on the server ` +
            `(ssh-keygen -lf /etc/ssh/ssh_host_${type.replace(/^ssh-/, "").replace(/-.*$/, "")}_key.pub) before replacing that line.`
        );
    }
    return (
        `the SSH host key of ${name} (${type} ${fingerprint}) is not in ${files.map((f) => f.file).join(" or ") || "any known_hosts file"}: refusing to connect to an ` +
        `unknown host. Check the fingerprint on the server, then add it: ssh-keyscan ${port === 22 ? "" : `-p ${port} `}${host} >> ~/.ssh/known_hosts ` +
        `(or set CDC_SYNC_KNOWN_HOSTS to a known_hosts file of your own).`
    );
}

/** Reads the known_hosts files that exist (a missing one holds nothing). */
export function readKnownHosts(files: readonly string[]): { file: string; text: string }[] {
    const fs: typeof import("fs") = require("fs");
    return files.flatMap((file) => {
        try {
            return [{ file, text: fs.readFileSync(file, "utf8") }];
        } catch {
            return [];
        }
    });
}
