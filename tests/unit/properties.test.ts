// Pure renderers of properties files: what the services and the FileConfigProvider actually read.
import * as assert from "assert";
import { renderProperties, renderSecretsFile } from "../../components/platform/properties";

describe("properties files", () => {
    it("renders key=value lines in declaration order", () => {
        assert.strictEqual(renderProperties({ b: 1, a: "x", c: false }), "b=1\na=x\nc=false\n");
    });

    // Each value must come back exactly as java.util.Properties.load reads the escaped text.
    const secrets: [string, string, string][] = [
        ["plain", "hunter2", "plain=hunter2\n"],
        ["backslash", "a\\b", "backslash=a\\\\b\n"],
        ["separators kept", "x=y:z", "separators kept=x=y:z\n"],
        ["newline", "line1\nline2", "newline=line1\\nline2\n"],
        ["leading blank", " pad", "leading blank=\\ pad\n"],
        ["hash and bang", "#!not-a-comment", "hash and bang=#!not-a-comment\n"],
        ["unicode", "pässwörd", "unicode=pässwörd\n"],
    ];
    for (const [name, value, line] of secrets) {
        it(`escapes a secret value: ${name}`, () => {
            assert.strictEqual(renderSecretsFile({ [name]: value }), line);
        });
    }

    it("sorts secrets by name so the file (and the worker) changes only when a secret does", () => {
        assert.strictEqual(renderSecretsFile({ b: "2", a: "1" }), "a=1\nb=2\n");
    });
});
