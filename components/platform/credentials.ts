// What every JAAS login the stack writes shares: a password that a JAAS option can hold unquoted-safe, and a
// digest for a container's environment that changes with the password and shows nothing of it. A login module reads
// its file once per JVM, so a rotated password must recreate the container (a changed env does; a changed file alone
// is rewritten in place). Pure; used by ./restAuth.ts and ./zookeeperAuth.ts.

/** Refuses a password a JAAS option (`key="value"`) or a properties line could not hold as it is, naming it by `name`. */
export function checkJaasPassword(name: string, what: string, password: string): void {
    if (/[\s"\\]/.test(password) || password.length === 0) {
        // A properties value would need escaping, a JAAS option quoting; generated passwords never have these.
        throw new Error(`${name}: ${what} must be non-empty, without whitespace, quotes or backslashes`);
    }
}

/** 16 hex digits of SHA-256 over the user and the password: the container's `CDC_AUTH_GENERATION`. */
export function credentialsGeneration(user: string, password: string): string {
    const crypto: typeof import("crypto") = require("crypto");
    return crypto.createHash("sha256").update(`${user}\n${password}`).digest("hex").slice(0, 16);
}
