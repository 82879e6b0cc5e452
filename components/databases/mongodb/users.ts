// Pure: the roles of the account Debezium's MongoDB source connects as, and the mongosh script that
// initiates a single-node replica set and creates the administrator and that account.
//
// Least privilege: Debezium 3.2's documented set (read on admin for the oplog, listDatabases, cluster-wide
// find and changeStream) is what a *deployment*-wide change stream needs. cdc-sync's source watches one
// database (capture.scope=database, see ../mapping.ts), and a database change stream plus the initial
// snapshot need only `find`, `changeStream`, `listCollections` (and collStats) on that database: the
// built-in `read` role there. listDatabases is not needed: without the privilege MongoDB lists the
// databases the account can read, which is the one it needs.

export interface MongoRole {
    readonly role: string;
    readonly db: string;
}

/** `read` on each captured database, nothing cluster-wide. */
export function connectorRoles(databases: readonly string[]): MongoRole[] {
    if (databases.length === 0) throw new Error("connector.databases: expected at least one database");
    return [...new Set(databases)].sort().map((db) => ({ role: "read", db }));
}

export interface InitSettings {
    readonly replicaSet: string;
    /** `address:port` the member announces; clients (the Connect workers) connect there. */
    readonly member: string;
    readonly admin: { readonly user: string; readonly password: string };
    readonly connector: { readonly user: string; readonly password: string; readonly roles: readonly MongoRole[] };
    readonly timeoutSeconds: number;
}

/**
 * A mongosh script, idempotent: initiates the replica set unless it is (rs.initiate is allowed before any
 * account exists, through the localhost exception, which is why it runs over the server's unix socket),
 * waits for the member to be primary, creates the administrator unless it exists (same exception), then
 * authenticates as it and creates or updates the connector's account. Credentials are in the script: it is
 * written into the container with mode 0600 and removed after the run, never passed as an argument.
 */
export function initScript(s: InitSettings): string {
    return `const cfg = ${JSON.stringify(s)};
let initiated = true;
try {
  rs.status();
} catch (e) {
  // Unauthorized: accounts exist, so the set was initiated (accounts are created on a primary).
  if (e.codeName === "NotYetInitialized") initiated = false;
  else if (e.codeName !== "Unauthorized") throw e;
}
if (!initiated) rs.initiate({ _id: cfg.replicaSet, members: [{ _id: 0, host: cfg.member }] });
const deadline = Date.now() + cfg.timeoutSeconds * 1000;
for (;;) {
  let primary = false;
  try { primary = db.hello().isWritablePrimary === true; } catch (e) { primary = false; }
  if (primary) break;
  if (Date.now() > deadline) throw new Error("no primary within " + cfg.timeoutSeconds + "s");
  sleep(1000);
}
const admin = db.getSiblingDB("admin");
let authenticated = false;
try { authenticated = admin.auth(cfg.admin.user, cfg.admin.password).ok === 1; } catch (e) { authenticated = false; }
if (!authenticated) {
  admin.createUser({ user: cfg.admin.user, pwd: cfg.admin.password, roles: [{ role: "root", db: "admin" }] });
  admin.auth(cfg.admin.user, cfg.admin.password);
}
if (admin.getUser(cfg.connector.user)) {
  admin.updateUser(cfg.connector.user, { pwd: cfg.connector.password, roles: cfg.connector.roles });
} else {
  admin.createUser({ user: cfg.connector.user, pwd: cfg.connector.password, roles: cfg.connector.roles });
}
print("cdc-sync: replica set " + cfg.replicaSet + " ready");
`;
}
