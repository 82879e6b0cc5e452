// Role passwords are sent to the server as SCRAM-SHA-256 verifiers (as psql's \password does), so the
// clear text never appears in the server's statement log or in pg_stat_activity.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "crypto";

/** PostgreSQL's default scram_iterations. */
const ITERATIONS = 4096;

/**
 * The `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` verifier of `password`. Only printable
 * ASCII is accepted: the server SASLprep-normalizes other characters, which this does not reproduce.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16)): string {
    if (!/^[\x20-\x7e]+$/.test(password)) throw new Error("role passwords must be non-empty printable ASCII");
    const salted = pbkdf2Sync(password, salt, ITERATIONS, 32, "sha256");
    const hmac = (key: Buffer, text: string) => createHmac("sha256", key).update(text).digest();
    const storedKey = createHash("sha256").update(hmac(salted, "Client Key")).digest();
    const serverKey = hmac(salted, "Server Key");
    return `SCRAM-SHA-256$${ITERATIONS}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}
