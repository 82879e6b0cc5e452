// Pure check of the connection string of a MongoDB replica set the stack adopts. Debezium's MongoDB source
// reads change streams, which exist only on replica sets (and sharded clusters of them): a string that
// names no replica set would connect to one member as a standalone and fail later, less clearly.

/** Problem with `uri` as a replica-set connection string, prefixed with `field`; undefined when fine. */
export function checkReplicaSetConnectionString(field: string, uri: string): string | undefined {
    const m = /^(mongodb(?:\+srv)?):\/\/(?:([^@/]*)@)?([^/?]*)(?:\/([^?]*))?(?:\?(.*))?$/.exec(uri);
    // Never echo credentials back: they are exactly what must not be shown.
    const shown = JSON.stringify(uri.replace(/\/\/[^@/]*@/, "//<credentials>@"));
    if (!m) return `${field}: expected mongodb://host[:port][,host...]/?replicaSet=<name> or mongodb+srv://host/, got ${shown}`;
    const [, scheme, credentials, hosts, , query] = m;
    if (credentials !== undefined) {
        return `${field}: expected no credentials in the connection string (give the user and the password, a secret, separately), got ${shown}`;
    }
    if (hosts === "" || hosts.split(",").some((h) => !/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(h))) {
        return `${field}: expected host[:port] entries separated by commas, got ${shown}`;
    }
    // A DNS seed list (mongodb+srv) resolves to a replica set: its TXT record names it.
    if (scheme === "mongodb+srv") return undefined;
    const params = new URLSearchParams(query ?? "");
    if (!params.get("replicaSet")) {
        return `${field}: expected a replica set (a replicaSet=<name> parameter, or a mongodb+srv:// address): change streams need one, got ${shown}`;
    }
    return undefined;
}
