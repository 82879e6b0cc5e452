// First contact with the set-up scripts: what they say, and what they leave alone on the host. Each script runs
// against a directory the test makes (never /etc); the messages are held word for word, timestamps aside.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const SCRIPTS = path.join(__dirname, "..", "..", "scripts");

/** Runs a script; its status, stdout and its stderr lines without the `[cdc-sync HH:MM:SS] ` prefix. */
function run(script: string, args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; said: string[] } {
    const r = spawnSync(path.join(SCRIPTS, script), args, { encoding: "utf8", env: { ...process.env, CDC_SYNC_DEBIAN_MIRROR: "", ...env } });
    const said = r.stderr
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => l.replace(/^\[cdc-sync \d\d:\d\d:\d\d\] /, ""));
    return { status: r.status, stdout: r.stdout, said };
}

function tempDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "cdc-sync-setup-"));
}

describe("set-up scripts: Podman's settings as a drop-in (scripts/podman-settings.sh)", () => {
    it("leaves the host's own containers.conf byte for byte, says which of its keys the drop-in overrides, and writes the drop-in once", () => {
        const dir = tempDir();
        const own = '# the site\'s own\n[engine]\nruntime = "crun"\nevents_logger = "file"\n';
        fs.writeFileSync(path.join(dir, "containers.conf"), own);
        const first = run("podman-settings.sh", [dir]);
        assert.strictEqual(first.status, 0);
        assert.deepStrictEqual(first.said, [
            `left ${dir}/containers.conf as it is (its runtime overridden by the drop-in)`,
            `wrote ${dir}/containers.conf.d/50-cdc-sync.conf: runtime runc, cgroup_manager cgroupfs, default_ulimits nofile 20000 and nproc 32768`,
        ]);
        assert.strictEqual(fs.readFileSync(path.join(dir, "containers.conf"), "utf8"), own);
        const dropin = fs.readFileSync(path.join(dir, "containers.conf.d", "50-cdc-sync.conf"), "utf8");
        for (const line of ['runtime = "runc"', 'cgroup_manager = "cgroupfs"', 'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]']) assert.ok(dropin.includes(line), line);
        const second = run("podman-settings.sh", [dir]);
        assert.deepStrictEqual(second.said, [`left ${dir}/containers.conf as it is (its runtime overridden by the drop-in)`]);
    });

    it("removes the whole containers.conf an earlier cdc-sync wrote, and names a later drop-in that would win over its settings", () => {
        const dir = tempDir();
        fs.writeFileSync(path.join(dir, "containers.conf"), "# Written by cdc-sync scripts/engine.sh: podman's defaults fail\n[engine]\nruntime = \"runc\"\n");
        fs.mkdirSync(path.join(dir, "containers.conf.d"));
        fs.writeFileSync(path.join(dir, "containers.conf.d", "90-site.conf"), '[engine]\nruntime = "crun"\n');
        const r = run("podman-settings.sh", [dir]);
        assert.deepStrictEqual(r.said, [
            `removed ${dir}/containers.conf, which an earlier cdc-sync wrote; its settings move to ${dir}/containers.conf.d/50-cdc-sync.conf`,
            `wrote ${dir}/containers.conf.d/50-cdc-sync.conf: runtime runc, cgroup_manager cgroupfs, default_ulimits nofile 20000 and nproc 32768`,
            `note: ${dir}/containers.conf.d/90-site.conf read after ${dir}/containers.conf.d/50-cdc-sync.conf; a runtime, cgroup_manager or default_ulimits there wins`,
        ]);
        assert.strictEqual(fs.existsSync(path.join(dir, "containers.conf")), false);
    });

    it("on a host without any containers.conf, writes only the drop-in", () => {
        const dir = tempDir();
        const r = run("podman-settings.sh", [dir]);
        assert.deepStrictEqual(r.said, [`wrote ${dir}/containers.conf.d/50-cdc-sync.conf: runtime runc, cgroup_manager cgroupfs, default_ulimits nofile 20000 and nproc 32768`]);
        assert.deepStrictEqual(fs.readdirSync(dir), ["containers.conf.d"]);
    });
});

describe("set-up scripts: the Debian mirror debootstrap uses (scripts/debian-mirror.sh)", () => {
    const cases: { name: string; files: Record<string, string>; env?: Record<string, string>; want: string }[] = [
        {
            name: "a site mirror in one-line sources.list, after a security line",
            files: { "sources.list": "deb http://security.example/debian-security bookworm-security main\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.site.example/debian bookworm main contrib\n" },
            want: "http://mirror.site.example/debian",
        },
        {
            name: "deb822 sources: a disabled stanza skipped, the next release suite with main taken",
            files: {
                "sources.list.d/a.sources":
                    "Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\nComponents: main\nEnabled: no\n\n" +
                    "Types: deb\nURIs: http://updates.example/debian\nSuites: bookworm-updates\nComponents: main\n\n" +
                    "Types: deb deb-src\nURIs: http://m.example/debian\nSuites: bookworm bookworm-updates\nComponents: main contrib\n",
            },
            want: "http://m.example/debian",
        },
        { name: "a source without main (not Debian's archive)", files: { "sources.list.d/n.list": "deb https://deb.nodesource.com/node_20.x nodistro contrib\n" }, want: "http://deb.debian.org/debian" },
        { name: "no apt sources at all (not a Debian host)", files: {}, want: "http://deb.debian.org/debian" },
        { name: "CDC_SYNC_DEBIAN_MIRROR wins over the sources", files: { "sources.list": "deb http://mirror.site.example/debian bookworm main\n" }, env: { CDC_SYNC_DEBIAN_MIRROR: "http://given.example/debian" }, want: "http://given.example/debian" },
    ];
    for (const c of cases) {
        it(c.name, () => {
            const dir = tempDir();
            for (const [file, text] of Object.entries(c.files)) {
                fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
                fs.writeFileSync(path.join(dir, file), text);
            }
            const r = run("debian-mirror.sh", [dir], c.env);
            assert.strictEqual(r.status, 0, r.said.join("\n"));
            assert.strictEqual(r.stdout.trim(), c.want);
        });
    }
});

describe("set-up scripts: a long step says it is still going (with_progress, scripts/lib.sh)", () => {
    it("prints a progress line while the command runs, keeps its output in the log, and returns its status", function () {
        this.timeout(20_000);
        const dir = tempDir();
        const script = `source ${SCRIPTS}/lib.sh; with_progress "building the thing" ${dir}/build.log sh -c 'echo compiled; sleep 3.5; exit 3' || echo "status $?"`;
        const r = spawnSync("bash", ["-c", script], { encoding: "utf8", env: { ...process.env, CDC_SYNC_PROGRESS_SECONDS: "1" } });
        assert.strictEqual(r.stdout.trim(), "status 3");
        assert.strictEqual(fs.readFileSync(path.join(dir, "build.log"), "utf8"), "compiled\n");
        const lines = r.stderr.split("\n").filter((l) => l.includes("still building the thing"));
        assert.ok(lines.length >= 2, `progress lines: ${r.stderr}`);
        assert.match(lines[0], /^\[cdc-sync \d\d:\d\d:\d\d\] still building the thing: \d+ s so far$/);
    });
});
