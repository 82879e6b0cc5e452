// Connects to a server's container engine. Called inside dynamic-provider methods, so it requires
// dockerode at call time (nothing from node_modules is serialized into the state file).
import type Dockerode from "dockerode";
import { Engine } from "../config/schema";

export function dockerClient(engine: Engine): Dockerode {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const Docker: typeof Dockerode = require("dockerode");
    switch (engine.kind) {
        case "local":
            // dockerode reads DOCKER_HOST itself, else the default socket.
            return new Docker();
        case "unix":
            return new Docker({ socketPath: engine.socketPath });
        case "ssh":
            // Keys come from the user's ssh-agent, never from the stack.
            return new Docker({
                protocol: "ssh",
                host: engine.host,
                port: engine.port,
                username: engine.user,
                sshOptions: { agent: process.env.SSH_AUTH_SOCK },
            } as Dockerode.DockerOptions);
    }
}

/** Labels every container and volume carries, so ops can find (and clean up) what a stack owns. */
export function ownerLabels(stack: string, component: string): Record<string, string> {
    return { "io.cdc-sync.stack": stack, "io.cdc-sync.component": component };
}
