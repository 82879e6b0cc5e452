// Writes a results table between the markers `<!-- NAME.sh: results -->` and `<!-- /NAME.sh -->` of a doc, from
// the JSON a test run wrote (scripts/day2.sh, scripts/faults.sh).
//   node scripts/results-table.js NAME RESULTS.json DOC.md COMMIT MACHINE DAY
const fs = require("fs");
const [name, results, doc, commit, machine, day] = process.argv.slice(2);
const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
const kinds = {
    day2: {
        head: ["change", "writes during it", "rows lost", "diverged", "longest delivery gap", "`up` took"],
        align: ["---", "---:", "---:", "---", "---:", "---:"],
        row: (r) => [r.change, r.writes, r.lost, r.diverged ? "yes" : "no", s(r.maxGapMs), `${r.upSeconds} s`],
        command: "scripts/day2.sh",
    },
    faults: {
        head: ["fault", "writes during it", "rows lost", "diverged", "until both directions delivered again", "a human needed", "duplicate change events, of all, per direction"],
        align: ["---", "---:", "---:", "---", "---:", "---", "---"],
        row: (r) => [
            r.fault,
            r.writes,
            r.lost,
            r.diverged ? "yes" : "no",
            `${r.recoverySeconds} s`,
            r.human ? "yes" : "no",
            Object.entries(r.changes ?? {}).map(([d, c]) => `${d}: ${c.duplicates} of ${c.records}`).join("; "),
        ],
        command: "scripts/faults.sh",
    },
};
// The same faults with exactly-once sources off, in a table of its own.
kinds["faults-without-exactly-once"] = { ...kinds.faults, command: "scripts/faults.sh --without-exactly-once" };
const kind = kinds[name];
if (!kind) throw new Error(`unknown results kind ${name}`);
const line = (cells) => `| ${cells.join(" | ")} |`;
const table = [
    `Measured ${day} at ${commit} on ${machine}, by \`${kind.command}\`.`,
    "",
    line(kind.head),
    line(kind.align),
    ...JSON.parse(fs.readFileSync(results, "utf8")).map((r) => line(kind.row(r))),
].join("\n");
const text = fs.readFileSync(doc, "utf8");
const start = `<!-- ${name}.sh: results -->`, end = `<!-- /${name}.sh -->`;
if (!text.includes(start) || !text.includes(end)) throw new Error(`${doc} lacks the markers ${start} ... ${end}`);
fs.writeFileSync(doc, text.slice(0, text.indexOf(start) + start.length) + "\n" + table + "\n" + text.slice(text.indexOf(end)));
