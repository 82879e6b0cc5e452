// Where images are built and how a server's engine comes to hold them (components/docker/builds.ts), under mocks.
import * as assert from "assert";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { record } from "./mocks";
import { ImageBuilds } from "../../components/docker/builds";
import { IMAGES_DIR } from "../../components/docker/image";
import { engineKey } from "../../components/docker/engine";
import { splitTag } from "../../components/docker/shippedImage";
import { Engine } from "../../components/config/schema";

const local: Engine = { kind: "local" };
const vps1: Engine = { kind: "ssh", user: "deploy", host: "vps1", port: 22 };
const vps2: Engine = { kind: "ssh", user: "deploy", host: "vps2", port: 22 };
const spec = (tag: string) => ({ tag, context: path.join(IMAGES_DIR, "supervisor"), buildArgs: {} });

describe("image builds", () => {
    const cases: { name: string; build: Engine | undefined; wants: [string, Engine][]; built: string[][]; shipped: string[][] }[] = [
        {
            name: "a build engine: one build per image, shipped once to each other engine that runs it (two servers on vps2 run pg)",
            build: local,
            wants: [
                ["kafka-1", vps1],
                ["kafka-2", vps2],
                ["pg", vps2],
                ["pg-2", vps2],
            ],
            built: [
                ["kafka-1-build", "cdc-sync/kafka:1", "local"],
                ["pg-build", "cdc-sync/postgres:17", "local"],
            ],
            shipped: [
                ["kafka-1", "ssh:deploy@vps1:22", "sha256:kafka-1-build"],
                ["kafka-2", "ssh:deploy@vps2:22", "sha256:kafka-1-build"],
                ["pg", "ssh:deploy@vps2:22", "sha256:pg-build"],
            ],
        },
        {
            name: "a server on the build engine uses the build itself, under its own name",
            build: vps1,
            wants: [
                ["kafka-1", vps1],
                ["kafka-2", vps2],
                ["pg", vps2],
            ],
            built: [
                ["kafka-1", "cdc-sync/kafka:1", "ssh:deploy@vps1:22"],
                ["pg-build", "cdc-sync/postgres:17", "ssh:deploy@vps1:22"],
            ],
            shipped: [
                ["kafka-2", "ssh:deploy@vps2:22", "sha256:kafka-1"],
                ["pg", "ssh:deploy@vps2:22", "sha256:pg-build"],
            ],
        },
        {
            name: "no build engine (a component on its own): each engine builds what it runs, nothing is shipped",
            build: undefined,
            wants: [
                ["kafka-1", vps1],
                ["kafka-2", vps2],
            ],
            built: [
                ["kafka-1", "cdc-sync/kafka:1", "ssh:deploy@vps1:22"],
                ["kafka-2", "cdc-sync/kafka:1", "ssh:deploy@vps2:22"],
            ],
            shipped: [],
        },
    ];
    for (const c of cases) {
        it(c.name, async () => {
            const rs = await record(async () => {
                const builds = new ImageBuilds(c.build);
                return pulumi.all(c.wants.map(([name, engine]) => builds.imageOn(name, engine, spec(name.startsWith("pg") ? "cdc-sync/postgres:17" : "cdc-sync/kafka:1"), {})));
            });
            const built = rs.filter((r) => r.type.endsWith("docker:Image")).map((r) => [r.name, r.inputs.tag, engineKey(r.inputs.engine)]);
            const shipped = rs.filter((r) => r.type.endsWith("docker:ShippedImage")).map((r) => [r.name, engineKey(r.inputs.engine), r.inputs.imageId]);
            assert.deepStrictEqual(built, c.built);
            assert.deepStrictEqual(shipped, c.shipped);
        });
    }

    it("splits a tag into the repository and tag a loaded image is given", () => {
        const table: [string, { repo: string; tag: string }][] = [
            ["cdc-sync/kafka:3.9.2-debezium-3.3.2.Final", { repo: "cdc-sync/kafka", tag: "3.9.2-debezium-3.3.2.Final" }],
            ["registry.example.com:5000/cdc-sync/postgres:17-trixie", { repo: "registry.example.com:5000/cdc-sync/postgres", tag: "17-trixie" }],
            ["registry.example.com:5000/cdc-sync/postgres", { repo: "registry.example.com:5000/cdc-sync/postgres", tag: "latest" }],
        ];
        for (const [tag, want] of table) assert.deepStrictEqual(splitTag(tag), want, tag);
    });
});
