// Pure facts of a MySQL/MariaDB sink database: the server flavors, what the Debezium JDBC sink may do there,
// the JDBC URL that selects its SQL dialect, and the name rules the resources check before any SQL runs.

/**
 * Which server family runs the sink database. It decides the JDBC URL scheme and with it the JDBC sink's
 * dialect (see `jdbcUrl`), and how JSON text is declared (see ../mapping.ts).
 */
export type MySqlFlavor = "mariadb" | "mysql";

/**
 * Exactly what the Debezium JDBC sink needs on its target database, and nothing global:
 * SELECT/INSERT/UPDATE/DELETE for upserts and deletes; CREATE and ALTER for `schema.evolution=basic`
 * (it creates a missing table, adds missing columns). No DROP (the sink never drops tables and its
 * truncate handling stays off), no INDEX (the primary key comes with CREATE TABLE), no GRANT OPTION.
 */
export const SINK_PRIVILEGES: readonly string[] = ["SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "ALTER"];

/**
 * What a Debezium MariaDB/MySQL source needs, server-wide: read the tables, take the snapshot's global read lock
 * (RELOAD), list databases, and read the binlog as a replica would. Spelled as each server lists them in
 * information_schema.USER_PRIVILEGES (MariaDB 10.5+ says BINLOG MONITOR for REPLICATION CLIENT), so a refresh
 * that finds exactly these shows no change.
 */
export function sourcePrivileges(flavor: MySqlFlavor): string[] {
    return ["SELECT", "RELOAD", "SHOW DATABASES", "REPLICATION SLAVE", flavor === "mariadb" ? "BINLOG MONITOR" : "REPLICATION CLIENT"];
}

/** Server options that make the binlog readable by a Debezium source: row events with full images, kept a week. */
export function binlogArgs(serverId: number, flavor: MySqlFlavor): string[] {
    return [
        "--log-bin=mysql-bin",
        `--server-id=${serverId}`,
        "--binlog-format=ROW",
        "--binlog-row-image=FULL",
        "--binlog-expire-logs-seconds=604800",
        // MariaDB 11.4+: the event positions Debezium's binlog client expects.
        ...(flavor === "mariadb" ? ["--binlog-legacy-event-pos=ON"] : []),
    ];
}

/**
 * The JDBC URL of `database`. The JDBC sink lets Hibernate pick its SQL dialect from the driver the URL
 * selects: `jdbc:mariadb:` gives the MariaDB dialect (upserts as `ON DUPLICATE KEY UPDATE c=VALUES(c)`),
 * `jdbc:mysql:` the MySQL one (`... AS new ON DUPLICATE KEY UPDATE c=new.c` from 8.0.20, which MariaDB
 * rejects). So the scheme must match the server, not just any driver that can connect.
 */
export function jdbcUrl(flavor: MySqlFlavor, host: string, port: number, database: string): string {
    return `jdbc:${flavor}://${host}:${port}/${database}`;
}

/** Whether `VERSION()` of a server matches the declared flavor (MariaDB says so in its version string). */
export function flavorOfVersion(version: string): MySqlFlavor {
    return /mariadb/i.test(version) ? "mariadb" : "mysql";
}

// Plain identifiers only: they appear unquoted in the sink's generated SQL and in JDBC URLs.
const DATABASE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
// MySQL's user-name limit (32) is the smaller of the two flavors'.
const USER = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;
const HOST = /^(%|[A-Za-z0-9.%_:-]{1,255})$/;

/** Problems with the names a MySqlServer is given, each naming its field; empty when all are fine. */
export function checkNames(names: { database: string; user: string; userHost: string }): string[] {
    const problems: string[] = [];
    if (!DATABASE.test(names.database)) {
        problems.push(`database: expected 1-64 letters, digits or '_' not starting with a digit, got ${JSON.stringify(names.database)}`);
    }
    if (!USER.test(names.user)) {
        problems.push(`sinkUser.name: expected 1-32 letters, digits or '_' not starting with a digit, got ${JSON.stringify(names.user)}`);
    }
    if (!HOST.test(names.userHost)) {
        problems.push(`sinkUser.host: expected a MySQL host pattern such as % or 10.0.0.%, got ${JSON.stringify(names.userHost)}`);
    }
    return problems;
}

/** A password the entrypoint and the drivers take verbatim: non-empty, one line, no NUL. */
export function checkPassword(field: string, password: string): string | undefined {
    // Never echo the value: it is exactly what must not be shown.
    if (password.length === 0) return `${field}: expected a non-empty password`;
    if (/[\u0000-\u001f\u007f]/.test(password)) return `${field}: expected a password without control characters (newline, NUL, ...)`;
    return undefined;
}
