// Authentication of the Kafka Connect REST API (docs/security.md). Every worker runs Kafka's
// BasicAuthSecurityRestExtension (the connect-basic-auth-extension jar in images/kafka): a request without the
// stack's credentials gets 401, whoever reaches the port. The extension logs a request in through JAAS, with the
// PropertyFileLoginModule reading user: password lines from a file the stack writes into the container through
// the engine's archive API, beside the connectors' secrets file (never env, never process arguments).
// Worker-to-worker requests still work: a follower forwards a client's request to the leader with the client's
// Authorization header, and the two internal endpoints (task configs, fencing) are signed with the group's
// session key instead (Connect's inter-worker key), which the extension lets through.
// Pure: the workers' files and settings from one password, tested in tests/unit/restAuth.test.ts.
import { checkJaasPassword, credentialsGeneration } from "./credentials";

/** The one REST user: the stack's own (provider, gates, supervisors, scripts, tests). */
export const REST_USER = "cdc-sync";
/** The password's name in the stack's PasswordSet (`cdc-sync:passwords.connect-rest` pins it). */
export const REST_PASSWORD_NAME = "connect-rest";
/** The extension's class, for `rest.extension.classes`. */
export const REST_EXTENSION_CLASS = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension";
/** The JAAS file the worker's JVM is started with (`java.security.auth.login.config`, the entrypoint's CDC_JAAS). */
export const CONNECT_JAAS_FILE = "/etc/cdc-sync/secrets/connect-jaas.conf";
/** The users file the login module reads. */
export const CONNECT_REST_USERS_FILE = "/etc/cdc-sync/secrets/connect-rest-users.properties";
/** The credentials file of a worker's supervisor (`user:password`, one line). */
export const SUPERVISOR_CREDENTIALS_FILE = "/etc/cdc-sync/secrets/connect-rest.credentials";

/** The worker's two files: the JAAS entry Connect's filter asks for (`KafkaConnect`) and the users file it names. */
export function restAuthFiles(password: string): Record<string, string> {
    checkJaasPassword(REST_PASSWORD_NAME, "the Connect REST password", password);
    return {
        [CONNECT_JAAS_FILE]:
            "KafkaConnect {\n" +
            "  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n" +
            `  file="${CONNECT_REST_USERS_FILE}";\n` +
            "};\n",
        // `user: password` (a properties line): not `=`, so the containers' rotation check (docker/container.ts), which
        // is about the connectors' database passwords, does not read it as one of theirs.
        [CONNECT_REST_USERS_FILE]: `${REST_USER}: ${password}\n`,
    };
}

/** The supervisor's file: what it sends as HTTP Basic credentials. */
export function supervisorCredentialsFile(password: string): Record<string, string> {
    return { [SUPERVISOR_CREDENTIALS_FILE]: `${REST_USER}:${password}\n` };
}

/** The workers' `CDC_AUTH_GENERATION`: a rotated password recreates them (./credentials.ts). */
export function restAuthGeneration(password: string): string {
    return credentialsGeneration(REST_USER, password);
}
