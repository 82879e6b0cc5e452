// The SSH server of a test host (scripts/test-hosts.sh): what a real server's sshd does for cdc-sync, and nothing
// more. It logs in one user by one public key (no passwords) and runs one command, `docker system dial-stdio`, which
// is how a Docker client (dockerode, the docker CLI) reaches an engine over SSH. It runs Podman's own dial-stdio
// against the host's Podman API socket, as a Podman server with `podman-docker` installed does.
//
// Why not OpenSSH's sshd: run as root it needs a privilege-separation user on this machine, and installing Debian's
// package starts (and on systemd machines enables) a system-wide sshd on port 22. The client side, which is what the
// stack ships, is the real one either way: the agent login and the host-key check of components/docker/engine.ts.
//
//   node -r ts-node/register scripts/test-host-ssh.ts --listen ADDRESS:PORT --host-key FILE --authorized FILE \
//        --user NAME --engine SOCKET
import { spawn } from "child_process";
import * as fs from "fs";
import type * as Ssh2 from "ssh2";

/** `--name value` pairs of the command line; every one is required. */
export function parseArgs(argv: readonly string[], names: readonly string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (let i = 0; i < argv.length; i += 2) {
        const name = argv[i].replace(/^--/, "");
        if (!names.includes(name) || argv[i + 1] === undefined) throw new Error(`unexpected argument ${argv[i]} (expected ${names.map((n) => `--${n} VALUE`).join(" ")})`);
        out[name] = argv[i + 1];
    }
    const missing = names.filter((n) => !(n in out));
    if (missing.length) throw new Error(`missing ${missing.map((n) => `--${n}`).join(", ")}`);
    return out;
}

/** The one command this server runs. */
export const DIAL_STDIO = "docker system dial-stdio";

function main(): void {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const ssh2: typeof Ssh2 = require("ssh2");
    const a = parseArgs(process.argv.slice(2), ["listen", "host-key", "authorized", "user", "engine"]);
    const [host, port] = [a.listen.slice(0, a.listen.lastIndexOf(":")), Number(a.listen.slice(a.listen.lastIndexOf(":") + 1))];
    const allowed = ssh2.utils.parseKey(fs.readFileSync(a.authorized));
    if (allowed instanceof Error) throw new Error(`${a.authorized}: ${allowed.message}`);
    const key = Array.isArray(allowed) ? allowed[0] : allowed;

    const server = new ssh2.Server({ hostKeys: [fs.readFileSync(a["host-key"])] }, (client) => {
        client.on("authentication", (ctx) => {
            if (ctx.method !== "publickey" || ctx.username !== a.user) return ctx.reject(["publickey"]);
            const sameKey = ctx.key.algo === key.type && ctx.key.data.equals(key.getPublicSSH());
            if (!sameKey) return ctx.reject(["publickey"]);
            // Without a signature the client only asks whether the key would do; with one it proves it holds it.
            if (!ctx.signature) return ctx.accept();
            return key.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject(["publickey"]);
        });
        client.on("ready", () => {
            client.on("session", (acceptSession) => {
                const session = acceptSession();
                session.on("exec", (accept, reject, info) => {
                    if (info.command.trim() !== DIAL_STDIO) {
                        process.stderr.write(`refused command: ${info.command}\n`);
                        return reject();
                    }
                    const channel = accept();
                    const dial = spawn("podman", ["--url", `unix://${a.engine}`, "system", "dial-stdio"], { stdio: ["pipe", "pipe", "inherit"] });
                    channel.pipe(dial.stdin);
                    dial.stdout.pipe(channel);
                    dial.on("exit", (code) => {
                        channel.exit(code ?? 1);
                        channel.end();
                    });
                    channel.on("close", () => dial.kill());
                });
            });
        });
        client.on("error", () => undefined);
    });
    server.listen(port, host, () => process.stderr.write(`listening on ${host}:${port}\n`));
}

if (require.main === module) main();
