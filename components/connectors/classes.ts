// The connector classes cdc-sync knows the rules of. Any other class (through the raw Connector) gets the
// common rules only, and is replaced only when its class or name changes.
import { JDBC_SINK_RULES } from "./jdbcSink";
import { MONGODB_SOURCE_RULES } from "./mongoSource";
import { POSTGRES_SOURCE_RULES } from "./postgresSource";
import { ClassRules } from "./rules";

export const CONNECTOR_CLASSES: readonly ClassRules[] = [POSTGRES_SOURCE_RULES, MONGODB_SOURCE_RULES, JDBC_SINK_RULES];

/** Debezium's MySQL source (in the platform image; cdc-sync has no typed resource for it, nor rules). */
export const MYSQL_CONNECTOR_CLASS = "io.debezium.connector.mysql.MySqlConnector";
