// The two test hosts of scripts/test-hosts.sh, for a test: made before it, removed after it, with what the stack
// needs to reach them (the ssh-agent and known_hosts) and what the test needs to look at them (each engine's socket,
// read on this machine, not over SSH: the test checks the hosts, it does not exercise the way in twice).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import Dockerode from "dockerode";
import { Engine } from "../../../components/config/schema";
import { REPO_ROOT } from "../harness";

const SCRIPT = path.join(REPO_ROOT, "scripts", "test-hosts.sh");

export class TestHosts {
    private constructor(readonly dir: string) {}

    /** Makes both hosts (refused when they exist already: `scripts/test-hosts.sh down` removes them). */
    static up(dir = "/var/tmp/cdc-sync-itest-hosts"): TestHosts {
        const hosts = new TestHosts(dir);
        hosts.run("up");
        return hosts;
    }

    /** Environment for the Pulumi CLI: the agent that holds the hosts' key, the known_hosts with their host keys. */
    get env(): Record<string, string> {
        return { SSH_AUTH_SOCK: path.join(this.dir, "agent.sock"), CDC_SYNC_KNOWN_HOSTS: path.join(this.dir, "known_hosts") };
    }

    /** Host `n`'s (1 or 2) engine, through its socket on this machine. */
    engine(n: 1 | 2): Engine {
        return { kind: "unix", socketPath: path.join(this.dir, `h${n}`, "podman.sock") };
    }

    docker(n: 1 | 2): Dockerode {
        return new Dockerode({ socketPath: path.join(this.dir, `h${n}`, "podman.sock") });
    }

    /** Drops all traffic between the two hosts (each still reaches this machine). */
    partition(): void {
        this.run("partition");
    }

    heal(): void {
        this.run("heal");
    }

    /** Host `n`'s engine goes down with its containers and comes back as at a Podman server's reboot. */
    restartEngine(n: 1 | 2): void {
        this.run("restart-engine", String(n));
    }

    /** Removes both hosts and everything on them. */
    down(): void {
        if (fs.existsSync(this.dir)) this.run("down");
    }

    private run(...args: string[]): void {
        execFileSync(SCRIPT, [...args, this.dir], { stdio: ["ignore", "inherit", "inherit"] });
    }
}
