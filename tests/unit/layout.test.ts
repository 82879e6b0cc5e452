// The layout holds: no import circles, no pipeline kind importing another, the ground floor (config/)
// importing nothing above it, and the README's layout section naming every folder of components/.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");

/** What madge (no typings of its own) answers: modules by path from ROOT, and the import circles among them. */
interface ImportGraph {
    obj(): Record<string, string[]>;
    circular(): string[][];
}

/** Every module reachable from the program, with the project modules each one imports. */
function importGraph(): Promise<ImportGraph> {
    const madge = require("madge") as (entry: string, options: object) => Promise<ImportGraph>;
    return madge(path.join(ROOT, "index.ts"), { fileExtensions: ["ts"], tsConfig: path.join(ROOT, "tsconfig.json"), baseDir: ROOT });
}

describe("layout", function () {
    this.timeout(60_000);
    let madged: ImportGraph;
    let graph: Record<string, string[]>;
    before(async () => {
        madged = await importGraph();
        graph = madged.obj();
    });

    it("reaches every component from index.ts (the graph is read, not empty)", () => {
        for (const f of ["components/stack/load.ts", "components/pipelines/registry.ts", "components/pipelines/twoWayPostgres/index.ts", "components/pipelines/mongoToMySql/index.ts"]) {
            assert.ok(f in graph, `${f} is not in the import graph: ${Object.keys(graph).slice(0, 5).join(", ")}, ...`);
        }
    });

    it("has no import circles", () => {
        const circles = madged.circular();
        assert.deepStrictEqual(circles, [], `import circles:\n${circles.map((c) => c.join(" -> ")).join("\n")}`);
    });

    it("keeps each pipeline kind to its own folder: no kind imports another", () => {
        const kindOf = (f: string) => /^components\/pipelines\/([^/]+)\//.exec(f)?.[1];
        const crossings = Object.entries(graph).flatMap(([from, deps]) =>
            deps.filter((to) => kindOf(from) && kindOf(to) && kindOf(from) !== kindOf(to)).map((to) => `${from} -> ${to}`),
        );
        assert.deepStrictEqual(crossings, []);
    });

    it("keeps the ground floor low: components/config imports nothing of the project outside it", () => {
        const up = Object.entries(graph).flatMap(([from, deps]) =>
            from.startsWith("components/config/") ? deps.filter((to) => !to.startsWith("components/config/")).map((to) => `${from} -> ${to}`) : [],
        );
        assert.deepStrictEqual(up, []);
    });

    it("has the README's layout section name every folder of components/, and nothing that is gone", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const section = /## Layout\n[\s\S]*?\n```\n([\s\S]*?)\n```/.exec(readme)?.[1] ?? "";
        const named = [...section.matchAll(/^(components\/\S+\/)/gm)].map((m) => m[1]);
        const folders = (dir: string): string[] =>
            fs
                .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
                .filter((e) => e.isDirectory())
                .flatMap((e) => [`${dir}/${e.name}/`, ...folders(`${dir}/${e.name}`)]);
        const actual = folders("components").filter((f) => f.split("/").length <= 4);
        assert.deepStrictEqual([...named].sort(), [...actual].sort());
    });
});
