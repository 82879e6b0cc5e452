// Connects to a server's container engine. Called inside dynamic-provider methods, so it requires
// dockerode at call time (nothing from node_modules is serialized into the state file).
import type Dockerode from "dockerode";
import { Engine } from "../config/schema";
import { hostKeyProblem, knownHostsFiles, readKnownHosts } from "./knownHosts";

export function dockerClient(engine: Engine): Dockerode {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const Docker: typeof Dockerode = require("dockerode");
    switch (engine.kind) {
        case "local":
            // dockerode reads DOCKER_HOST itself, else the default socket.
            return new Docker();
        case "unix":
            return new Docker({ socketPath: engine.socketPath });
        case "ssh": {
            // Keys come from the user's ssh-agent, never from the stack; the server's key must be in known_hosts.
            let refusal: string | undefined;
            const docker = new Docker({
                protocol: "ssh",
                host: engine.host,
                port: engine.port,
                username: engine.user,
                sshOptions: {
                    agent: process.env.SSH_AUTH_SOCK,
                    hostVerifier: (key: Buffer) => {
                        refusal = hostKeyProblem(engine.host, engine.port, key, readKnownHosts(knownHostsFiles()));
                        return refusal === undefined;
                    },
                },
            } as Dockerode.DockerOptions);
            // ssh2 reports a refused key only as "Host denied (verification failed)": the reason, naming the host, instead.
            const modem = docker.modem as unknown as { dial: (o: unknown, cb: (err: unknown, data?: unknown) => void) => unknown };
            const dial = modem.dial.bind(modem);
            modem.dial = (o, cb) => dial(o, (err, data) => cb(err && refusal ? Object.assign(new Error(refusal), { cause: err }) : err, data));
            return docker;
        }
    }
}

/** Stable identity of an engine (`local`, `unix:/run/x.sock`, `ssh:deploy@host:22`): two servers on one engine share it. */
export function engineKey(e: Engine): string {
    switch (e.kind) {
        case "local":
            return "local";
        case "unix":
            return `unix:${e.socketPath}`;
        case "ssh":
            return `ssh:${e.user}@${e.host}:${e.port}`;
    }
}

/** Labels every container and volume carries, so ops can find (and clean up) what a stack owns. */
export function ownerLabels(stack: string, component: string): Record<string, string> {
    return { "io.cdc-sync.stack": stack, "io.cdc-sync.component": component };
}
