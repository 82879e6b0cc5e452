// Credentials in connector configs: only FileConfigProvider placeholders, which each Connect worker resolves
// from its secrets file (components/platform/connectCluster.ts). The password itself therefore never reaches Connect's
// REST API, its config topic, Pulumi state or preview output: the config holds `${file:<path>:<name>}`.
import { CONNECT_SECRETS_FILE } from "../platform/properties";

/** What a secret's name may look like (the names of the stack config `cdc-sync:connectorSecrets`). */
const SECRET_NAME = /^[A-Za-z0-9_.-]+$/;

/** Any config-provider variable, as Kafka's ConfigTransformer matches it. */
const VARIABLE = /\$\{([^}]*?):(?:([^}]*?):)?([^}]*?)\}/g;

/** The form of a secret placeholder, for messages. */
export const SECRET_REF_FORM = `\${file:${CONNECT_SECRETS_FILE}:<name>}`;

/**
 * The placeholder for the connector secret `name`: `${file:/etc/cdc-sync/secrets/connectors.properties:name}`.
 * `name` must be a key of the platform stack's `cdc-sync:connectorSecrets`.
 */
export function secretRef(name: string): string {
    if (!SECRET_NAME.test(name)) {
        throw new Error(`connector secret name ${JSON.stringify(name)}: expected letters, digits, '.', '_', '-'`);
    }
    return `\${file:${CONNECT_SECRETS_FILE}:${name}}`;
}

/** True when `value` is exactly one placeholder of the stack's secrets file. */
export function isSecretRef(value: string): boolean {
    const prefix = `\${file:${CONNECT_SECRETS_FILE}:`;
    return value.startsWith(prefix) && value.endsWith("}") && SECRET_NAME.test(value.slice(prefix.length, -1));
}

/** Names of the stack's secrets that `value` references. */
export function secretNamesIn(value: string): string[] {
    return [...value.matchAll(VARIABLE)].map((m) => m[0]).filter(isSecretRef).map((ref) => ref.slice(ref.lastIndexOf(":") + 1, -1));
}

/** Keys whose value is a credential: `database.password`, `connection.password`, `*.keystore.password`, ... */
export function isCredentialKey(key: string): boolean {
    return /password$/i.test(key);
}

/**
 * Placeholders in `value` that no worker can resolve: another provider (`${env:...}`) or another file. Only
 * the `file` provider is configured on the workers, and only the stack's secrets file is deployed to them.
 */
export function foreignVariables(value: string): string[] {
    return [...value.matchAll(VARIABLE)].map((m) => m[0]).filter((v) => !isSecretRef(v));
}
