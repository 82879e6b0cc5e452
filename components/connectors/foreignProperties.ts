// Property names that look right but that Debezium's connectors never read: other vendors' JDBC sinks
// (Confluent's io.confluent.connect.jdbc.JdbcSinkConnector, Aiven's fork) and Debezium 1.x names removed in 2.0.
// Connect accepts unknown properties without a word, so a config written for another sink deploys "fine" and
// then behaves differently (no primary key, no deletes, no table creation). Each is rejected by name, saying
// what the Debezium connector reads instead.

/** Other JDBC sinks' properties -> the Debezium JDBC sink's equivalent. */
export const FOREIGN_JDBC_SINK_PROPERTIES: Readonly<Record<string, string>> = {
    "connection.user": "connection.username",
    "pk.mode": "primary.key.mode (none, kafka, record_key, record_value, record_header)",
    "pk.fields": "primary.key.fields",
    "auto.create": "schema.evolution=basic (creates missing tables)",
    "auto.evolve": "schema.evolution=basic (adds missing columns)",
    "fields.whitelist": "field.include.list",
    "quote.sql.identifiers": "quote.identifiers (true or false)",
    "db.timezone": "use.time.zone",
    "max.retries": "flush.max.retries",
    "retry.backoff.ms": "flush.retry.delay.ms",
    "connection.attempts": "connection.restart.on.errors=true (Debezium retries transient connection errors)",
    "connection.backoff.ms": "connection.restart.on.errors=true (Debezium retries transient connection errors)",
    "dialect.name": "nothing: the dialect follows from connection.url (hibernate.dialect overrides it)",
    "table.types": "nothing: the Debezium sink writes to tables only",
    "topics.to.tables.mapping": "collection.name.format",
    // Deprecated aliases Debezium still maps: one spelling keeps the live config equal to the declared one.
    "table.name.format": "collection.name.format (table.name.format is its deprecated alias)",
    "database.time_zone": "use.time.zone (database.time_zone is its deprecated alias)",
};

/** Values other JDBC sinks use for a property the Debezium sink shares, -> the Debezium way. */
export const FOREIGN_JDBC_SINK_VALUES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
    // Aiven's multi-row INSERT; Debezium batches by itself.
    "insert.mode": { multi: "insert (rows are batched by batch.size)" },
};

/** Debezium 1.x source properties removed in 2.0 -> their current names. */
export const LEGACY_DEBEZIUM_SOURCE_PROPERTIES: Readonly<Record<string, string>> = {
    "database.server.name": "topic.prefix",
    "mongodb.name": "topic.prefix",
    "mongodb.hosts": "mongodb.connection.string",
    "mongodb.members.auto.discover": "mongodb.connection.string (the driver discovers members)",
    "database.history.kafka.topic": "schema.history.internal.kafka.topic",
    "database.history.kafka.bootstrap.servers": "schema.history.internal.kafka.bootstrap.servers",
    "table.whitelist": "table.include.list",
    "table.blacklist": "table.exclude.list",
    "schema.whitelist": "schema.include.list",
    "schema.blacklist": "schema.exclude.list",
    "column.whitelist": "column.include.list",
    "column.blacklist": "column.exclude.list",
    "database.whitelist": "database.include.list",
    "database.blacklist": "database.exclude.list",
    "collection.whitelist": "collection.include.list",
    "collection.blacklist": "collection.exclude.list",
};
