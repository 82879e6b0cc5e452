// Authentication between the brokers and ZooKeeper (docs/security.md). ZooKeeper holds the cluster's metadata:
// which broker leads what, every topic's settings, and the ACLs and SCRAM credentials Kafka keeps there. Open, anyone
// who reaches its port could delete a topic's znodes or rewrite a partition's leader. Here ZooKeeper takes only
// clients that log in with SASL (DIGEST-MD5, the one mechanism ZooKeeper serves without Kerberos), as the one user
// the brokers share; the brokers create their znodes readable by anyone but writable by that user only
// (`zookeeper.set.acl`). Each side reads its JAAS file (the `Server` or `Client` section) from the entrypoint's
// CDC_JAAS, written into the container through the engine's archive API like every secret file. Pure, tested in
// tests/unit/zookeeperAuth.test.ts.
import { checkJaasPassword, credentialsGeneration } from "./credentials";

/** The user the brokers log in to ZooKeeper as; znodes they create are writable by it only. */
export const ZOOKEEPER_USER = "kafka";
/** The password's name in the stack's PasswordSet (`cdc-sync:passwords.zookeeper` pins it). */
export const ZOOKEEPER_PASSWORD_NAME = "zookeeper";
/** The JAAS file of ZooKeeper and of each broker (the entrypoint's CDC_JAAS); a section of its own in each. */
export const ZOOKEEPER_JAAS_FILE = "/etc/cdc-sync/secrets/zookeeper-jaas.conf";

const DIGEST_LOGIN_MODULE = "org.apache.zookeeper.server.auth.DigestLoginModule";

/**
 * Settings a running ZooKeeper may only take one per `up` (components/docker/steps.ts): a ZooKeeper deployed before
 * authentication has no such line and starts at the first step, where it accepts SASL logins but does not demand
 * them, so the brokers, which still run without credentials, keep their sessions while they roll and log in. The next
 * `up` demands them. A new ZooKeeper demands them from its first start.
 */
export const ZOOKEEPER_AUTH_STEPS = {
    key: "enforce.auth.enabled",
    order: ["unset", "false", "true"],
    why: "the brokers must log in with their credentials before ZooKeeper refuses clients that do not",
} as const;

/** ZooKeeper's properties for SASL logins (QuorumPeerConfig hands unknown keys to the server as `zookeeper.<key>`). */
export function zookeeperAuthProperties(): Record<string, string> {
    return {
        "authProvider.sasl": "org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
        // Every client session must log in with SASL before its first request; one that does not is closed.
        [ZOOKEEPER_AUTH_STEPS.key]: "true",
        "enforce.auth.schemes": "sasl",
    };
}

/** ZooKeeper's JAAS file: the one user it accepts, with its password. */
export function zookeeperServerJaas(password: string): Record<string, string> {
    checkJaasPassword(ZOOKEEPER_PASSWORD_NAME, "the ZooKeeper password", password);
    return { [ZOOKEEPER_JAAS_FILE]: `Server {\n  ${DIGEST_LOGIN_MODULE} required\n  user_${ZOOKEEPER_USER}="${password}";\n};\n` };
}

/** A broker's JAAS file: the login its ZooKeeper client uses (the `Client` section Kafka looks for). */
export function brokerZooKeeperJaas(password: string): Record<string, string> {
    checkJaasPassword(ZOOKEEPER_PASSWORD_NAME, "the ZooKeeper password", password);
    return { [ZOOKEEPER_JAAS_FILE]: `Client {\n  ${DIGEST_LOGIN_MODULE} required\n  username="${ZOOKEEPER_USER}"\n  password="${password}";\n};\n` };
}

/** ZooKeeper's and the brokers' `CDC_AUTH_GENERATION`: a rotated password recreates them (./credentials.ts). */
export function zookeeperAuthGeneration(password: string): string {
    return credentialsGeneration(ZOOKEEPER_USER, password);
}
