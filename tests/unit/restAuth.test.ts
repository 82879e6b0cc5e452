// The Connect REST login the workers and supervisors are given (components/platform/restAuth.ts).
import * as assert from "assert";
import { CONNECT_JAAS_FILE, CONNECT_REST_USERS_FILE, restAuthFiles, restAuthGeneration, supervisorCredentialsFile } from "../../components/platform/restAuth";

describe("Connect REST authentication files", () => {
    it("the JAAS entry Connect's filter asks for names the users file, which holds the one user", () => {
        const files = restAuthFiles("Abc123");
        assert.match(files[CONNECT_JAAS_FILE], /^KafkaConnect \{\n {2}org\.apache\.kafka\.connect\.rest\.basic\.auth\.extension\.PropertyFileLoginModule required\n/);
        assert.ok(files[CONNECT_JAAS_FILE].includes(`file="${CONNECT_REST_USERS_FILE}";`));
        assert.strictEqual(files[CONNECT_REST_USERS_FILE], "cdc-sync: Abc123\n");
        assert.deepStrictEqual(supervisorCredentialsFile("Abc123"), { "/etc/cdc-sync/secrets/connect-rest.credentials": "cdc-sync:Abc123\n" });
    });

    for (const [what, password] of [
        ["empty", ""],
        ["a blank", "a b"],
        ["a quote", 'a"b'],
        ["a backslash", "a\\b"],
        ["a line break", "a\nb"],
    ]) {
        it(`refuses a password with ${what}, naming the password, not its value`, () => {
            assert.throws(() => restAuthFiles(password), (e: Error) => e.message.startsWith("connect-rest: ") && (password === "" || !e.message.includes(password)));
        });
    }

    it("the workers' generation changes with the password and shows nothing of it", () => {
        const [a, b] = [restAuthGeneration("first-password"), restAuthGeneration("second-password")];
        assert.notStrictEqual(a, b);
        assert.strictEqual(a, restAuthGeneration("first-password"));
        assert.match(a, /^[0-9a-f]{16}$/);
    });
});
