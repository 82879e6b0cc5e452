// cdc-sync: converges the configured servers into a CDC platform — ZooKeeper, Kafka brokers and a
// distributed Kafka Connect cluster with the Debezium and JDBC plugins — the database servers, and the
// pipelines the stack declares on top of them. Everything comes from the stack's config
// (Pulumi.<stack>.yaml); see README.md. The wiring is components/stack/program.ts.
import * as pulumi from "@pulumi/pulumi";
import { buildStack } from "./components/stack/program";
import { readStackConfig } from "./components/stack/read";

const { config, connectorSecrets, passwords } = readStackConfig();
const out = buildStack({ stack: pulumi.getStack(), config, connectorSecrets, pinnedPasswords: passwords });

/** `host:port,...` for Kafka clients. */
export const bootstrapServers = out.bootstrapServers;
/** Kafka Connect REST API (any worker forwards to the leader). */
export const connectRestUrl = out.connectRestUrl;
/** Its credentials (HTTP Basic), a secret: `pulumi stack output --show-secrets connectRestAuth` (docs/security.md). */
export const connectRestAuth = out.connectRestAuth;
export const connectVersion = out.connectVersion;
export const connectPlugins = out.connectPlugins;
/** Which server runs what, at which address. */
export const placement = out.placement;
/** Every Prometheus endpoint (ZooKeeper, brokers, workers, supervisors, stack-run PostgreSQL): `{ job, name, server, url }`. */
export const metrics = out.metrics;
/** Each declared pipeline by name (`cdc-sync:pipelines`): its kind, its ends, its connectors and health. */
export const pipelines = out.pipelines;
/** Each connector declared in `cdc-sync:connectors`, by name: its observed state and tasks. */
export const connectors = out.connectors;
