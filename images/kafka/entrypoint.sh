#!/bin/sh
# Entrypoint of the cdc-sync kafka image. Contract (the Pulumi program relies on it):
#   argument 1      role: zookeeper | broker | connect (no further arguments)
#   CDC_PROPERTIES  required: the complete properties file for that role; written to /etc/cdc-sync/<role>.properties
#   CDC_HEAP        optional JVM heap flags, default "-Xms256m -Xmx512m"
#   CDC_METRICS     optional `address:port`: serve Prometheus metrics there (the JMX exporter agent, with the
#                   role's rules from /opt/kafka/config/metrics/<role>.yml); unset, no metrics port is opened
#   CDC_JAAS        optional path of a JAAS file the stack wrote (java.security.auth.login.config), e.g. the Connect
#                   REST login; it must exist when set
#   CDC_AUTH_GENERATION  ignored here: a digest of the credentials, so that rotating them recreates the container
# The role's main class then replaces this shell (exec), so it is PID 1 and gets the engine's SIGTERM directly.
# Extra JVM flags, if ever needed, go in JDK_JAVA_OPTIONS, which the java launcher reads by itself.
set -eu

ROLES="zookeeper, broker, connect"
fail() { echo "cdc-sync-entrypoint: $*" >&2; exit 2; }

[ $# -ge 1 ] || fail "missing role argument (allowed: $ROLES)"
role=$1
shift
case "$role" in
  # QuorumPeerMain runs standalone when the config lists no server.N entries and a quorum peer when it does
  # (an ensemble would also need <dataDir>/myid, which this image does not write).
  zookeeper) main=org.apache.zookeeper.server.quorum.QuorumPeerMain; data=/var/lib/zookeeper ;;
  broker)    main=kafka.Kafka;                                        data=/var/lib/kafka ;;
  connect)   main=org.apache.kafka.connect.cli.ConnectDistributed;    data=/var/lib/connect ;;
  *) fail "unknown role '$role' (allowed: $ROLES)" ;;
esac
[ $# -eq 0 ] || fail "unexpected arguments after role '$role': $*"
[ -n "${CDC_PROPERTIES:-}" ] || fail "CDC_PROPERTIES is empty or unset: it must hold the $role properties file"

# A named volume that was not empty, or a bind mount, keeps its own ownership; say so instead of letting
# the JVM fail later with a less obvious stack trace.
[ -w "$data" ] || fail "$data is not writable by uid $(id -u); chown the volume/bind mount to $(id -u):$(id -g)"

props=/etc/cdc-sync/$role.properties
# 0600: later stages may render credentials into these files.
(umask 077 && printf '%s\n' "$CDC_PROPERTIES" >"$props") || fail "cannot write $props"
unset CDC_PROPERTIES

agent=""
if [ -n "${CDC_METRICS:-}" ]; then
  case "$CDC_METRICS" in
    *:[0-9]*) ;;
    *) fail "CDC_METRICS must be address:port, got '$CDC_METRICS'" ;;
  esac
  agent="-javaagent:/opt/jmx-exporter/jmx_prometheus_javaagent.jar=$CDC_METRICS:/opt/kafka/config/metrics/$role.yml"
fi

jaas=""
if [ -n "${CDC_JAAS:-}" ]; then
  [ -r "$CDC_JAAS" ] || fail "CDC_JAAS names $CDC_JAAS, which is not a readable file"
  jaas="-Djava.security.auth.login.config=$CDC_JAAS"
fi

cd "$data"
# Word splitting of CDC_HEAP is intended (several flags in one variable).
# shellcheck disable=SC2086
exec java ${CDC_HEAP:--Xms256m -Xmx512m} \
  -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
  -Djava.awt.headless=true \
  ${agent:+"$agent"} \
  ${jaas:+"$jaas"} \
  -Dlog4j.configuration=file:/opt/kafka/config/log4j.properties \
  -cp '/opt/kafka/libs/*' \
  "$main" "$props"
