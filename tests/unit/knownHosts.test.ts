// Host-key verification of SSH engines (components/docker/knownHosts.ts): the matching, table-driven, and a real SSH
// handshake with an SSH server of the test's own on 127.0.0.1 (ssh2's server), through the engine client the stack uses.
import * as assert from "assert";
import { createHmac, randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AddressInfo } from "net";
import { dockerClient } from "../../components/docker/engine";
import { hostKeyProblem, knownKeys } from "../../components/docker/knownHosts";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const ssh2 = require("ssh2");

/** A fresh ed25519 host key: the private PEM for a server, the known_hosts `type base64` and the raw blob. */
function hostKey(): { private: string; line: string; blob: Buffer } {
    const k = ssh2.utils.generateKeyPairSync("ed25519");
    const [type, b64] = (k.public as string).split(" ");
    return { private: k.private, line: `${type} ${b64}`, blob: Buffer.from(b64, "base64") };
}

const hashed = (name: string) => {
    const salt = randomBytes(20);
    return `|1|${salt.toString("base64")}|${createHmac("sha1", salt).update(name).digest("base64")}`;
};

describe("SSH engines: host keys checked against known_hosts", () => {
    const key = hostKey();
    const other = hostKey();
    const file = (text: string) => [{ file: "/k", text }];

    const cases: [string, string, number, string, RegExp | undefined][] = [
        ["the host's own key", `db.example ${key.line}`, 22, "db.example", undefined],
        ["one of several names, on another port", `x,[db.example]:2222 ${key.line}`, 2222, "db.example", undefined],
        ["a hashed entry (HashKnownHosts)", `${hashed("[10.0.0.2]:2222")} ${key.line}`, 2222, "10.0.0.2", undefined],
        ["a wildcard", `*.example ${key.line}`, 22, "db.example", undefined],
        ["another key for the host: changed", `db.example ${other.line}`, 22, "db.example", /host key of db\.example has CHANGED: it offered ssh-ed25519 SHA256:.* \/k:1 holds for it/],
        ["the port-22 entry for another port: unknown", `db.example ${key.line}`, 2222, "db.example", /host key of \[db\.example\]:2222 \(ssh-ed25519 SHA256:.*\) is not in \/k: .*ssh-keyscan -p 2222 db\.example/],
        ["a negated name", `*.example,!db.example ${key.line}`, 22, "db.example", /is not in \/k/],
        ["the key @revoked", `@revoked db.example ${key.line}\ndb.example ${key.line}`, 22, "db.example", /marked @revoked in \/k:1/],
        ["a @cert-authority line is no key", `@cert-authority db.example ${key.line}`, 22, "db.example", /is not in \/k/],
        ["comments and blank lines", `# db.example ${key.line}\n\n`, 22, "db.example", /is not in \/k/],
    ];
    for (const [what, text, port, host, problem] of cases) {
        it(what, () => {
            const got = hostKeyProblem(host, port, key.blob, file(text));
            if (problem === undefined) assert.strictEqual(got, undefined);
            else assert.match(got ?? "accepted", problem);
        });
    }

    it("lists the lines that name a host, with file and line", () => {
        assert.deepStrictEqual(
            knownKeys("/k", `a ${key.line}\n#x\nb,a ${other.line}\n`, "a", 22).map((k) => [k.file, k.line, k.type]),
            [
                ["/k", 1, "ssh-ed25519"],
                ["/k", 3, "ssh-ed25519"],
            ],
        );
    });

    describe("through the engine client, against an SSH server on 127.0.0.1", () => {
        let server: { close: () => void };
        let port: number;
        let dir: string;
        const clients: { end: () => void }[] = [];
        const previous = process.env.CDC_SYNC_KNOWN_HOSTS;

        before(async () => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-sync-known-hosts-"));
            // Accepts anyone and answers `docker system dial-stdio` with an engine that says OK to /_ping.
            server = new ssh2.Server({ hostKeys: [key.private] }, (client: any) => {
                clients.push(client);
                // A client that refused the key disconnects mid-handshake: that is the test passing, not an error.
                client.on("error", () => undefined);
                client.on("authentication", (ctx: any) => ctx.accept());
                client.on("ready", () =>
                    client.on("session", (accept: any) =>
                        accept().on("exec", (acceptExec: any) => {
                            const stream = acceptExec();
                            let request = "";
                            stream.on("data", (d: Buffer) => {
                                request += d.toString();
                                if (!request.includes("\r\n\r\n")) return;
                                // One answer, then the channel closes: the client ends its SSH connection with it.
                                stream.end("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK");
                            });
                        }),
                    ),
                );
            });
            await new Promise<void>((resolve) => (server as any).listen(0, "127.0.0.1", resolve));
            port = ((server as any).address() as AddressInfo).port;
        });

        after(() => {
            // Nothing of the test may keep the process alive: every connection ended, then the server.
            for (const c of clients) c.end();
            server?.close();
            fs.rmSync(dir, { recursive: true, force: true });
            if (previous === undefined) delete process.env.CDC_SYNC_KNOWN_HOSTS;
            else process.env.CDC_SYNC_KNOWN_HOSTS = previous;
        });

        const ping = (knownHosts: string) => {
            const f = path.join(dir, `known_hosts-${randomBytes(4).toString("hex")}`);
            fs.writeFileSync(f, knownHosts);
            process.env.CDC_SYNC_KNOWN_HOSTS = f;
            return dockerClient({ kind: "ssh", user: "ops", host: "127.0.0.1", port }).ping();
        };

        it("talks to the engine when the server's key is the known one", async () => {
            assert.strictEqual(String(await ping(`[127.0.0.1]:${port} ${key.line}\n`)), "OK");
        });

        it("refuses a server whose key changed, naming the host and the known_hosts line", async () => {
            await assert.rejects(ping(`[127.0.0.1]:${port} ${other.line}\n`), (e: Error) => {
                assert.match(e.message, new RegExp(`^the SSH host key of \\[127\\.0\\.0\\.1\\]:${port} has CHANGED: .*known_hosts-[0-9a-f]+:1 holds for it`));
                return true;
            });
        });

        it("refuses a server that is in no known_hosts file, saying how to add it", async () => {
            await assert.rejects(ping(""), /is not in .*known_hosts-[0-9a-f]+: refusing to connect to an unknown host\. .*ssh-keyscan -p \d+ 127\.0\.0\.1/);
        });
    });
});
