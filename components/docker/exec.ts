// Runs a command in a running container through the engine (docker exec) and collects its output. Called
// inside dynamic-provider methods (and by tests), so modules are required at call time.
import { Engine } from "../config/schema";
import { archiveOf } from "./container";
import { dockerClient } from "./engine";

export interface ExecResult {
    readonly exitCode: number;
    /** stdout and stderr, interleaved as the command wrote them. */
    readonly output: string;
}

export async function execIn(engine: Engine, container: string, cmd: string[], user = "root"): Promise<ExecResult> {
    const { Writable }: typeof import("stream") = require("stream");
    const docker = dockerClient(engine);
    const exec = await docker.getContainer(container).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, User: user });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
            chunks.push(chunk);
            done();
        },
    });
    // Without a TTY the engine multiplexes stdout and stderr into one framed stream.
    docker.modem.demuxStream(stream, sink, sink);
    await new Promise((resolve, reject) => {
        stream.on("end", resolve);
        stream.on("error", reject);
    });
    return { exitCode: (await exec.inspect()).ExitCode ?? -1, output: Buffer.concat(chunks).toString("utf8") };
}

/**
 * Runs `cmd` in a running container with `files` (names inside `dir`) put there first through the archive API, 0600
 * in a 0700 directory owned by `owner`, and removes `dir` after, whatever the command did: how a provider hands a
 * statement or a password to the container's own client without a process argument. `dir` must be the files' own
 * directory (under /run): the archive resets its owner and mode.
 */
export async function execWithFiles(
    engine: Engine,
    container: string,
    dir: string,
    files: Record<string, string>,
    owner: { uid: number; gid: number },
    cmd: string[],
    user = "root",
): Promise<ExecResult> {
    const inDir = Object.fromEntries(Object.entries(files).map(([name, content]) => [`${dir}/${name}`, content]));
    await dockerClient(engine).getContainer(container).putArchive(await archiveOf(inDir, owner), { path: "/" });
    try {
        return await execIn(engine, container, cmd, user);
    } finally {
        await execIn(engine, container, ["rm", "-rf", dir]);
    }
}
