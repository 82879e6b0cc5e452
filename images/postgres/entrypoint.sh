#!/bin/sh
# Entrypoint of the cdc-sync postgres image. Contract (components/databases/postgres.ts relies on it):
#   arguments        passed to `postgres` as they are: the server settings (-c listen_addresses=..., -c port=...,
#                    -c wal_level=logical, ...); nothing secret ever goes here
#   password file    /etc/cdc-sync/secrets/postgres-password (0600, owned by postgres): the superuser's password,
#                    read once, when the data directory is initialised; later changes of the file have no effect
# The data directory is /var/lib/postgresql/data. postgres then replaces this shell (exec), so it is PID 1 and
# gets the engine's stop signal directly: SIGINT (the Dockerfile's STOPSIGNAL), a "fast" shutdown.
set -eu

PGDATA=/var/lib/postgresql/data
PWFILE=/etc/cdc-sync/secrets/postgres-password
fail() { echo "cdc-sync-postgres: $*" >&2; exit 2; }

[ -w "$PGDATA" ] || fail "$PGDATA is not writable by uid $(id -u); chown the volume to $(id -u):$(id -g)"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  [ -s "$PWFILE" ] || fail "$PWFILE is missing or empty: the superuser password is needed to initialise the cluster"
  # --pwfile keeps the password out of process arguments and environment.
  initdb --pgdata="$PGDATA" --username=postgres --pwfile="$PWFILE" --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256 >/dev/null
fi

# Who may log in, written at every start (a server deployed with an older list gets this one at its next restart):
# - inside the container, the OS user postgres as the superuser, over the socket (the stack's own password steps);
# - from anywhere, any role with its password, to a database: clients (Connect workers on other servers) come from
#   any address, and the server listens on its own address only. Debezium's logical replication connections match
#   here too, by their database's name;
# - physical replication (pg_basebackup, a standby: a copy of every database of the server) from nowhere but the
#   socket: no `host replication` line, so a role that may read one database's changes cannot copy the others.
cat >"$PGDATA/pg_hba.conf" <<'HBA'
# Written by the cdc-sync entrypoint at every start (images/postgres/entrypoint.sh): edits here are lost.
local   all             all                                     peer
local   replication     postgres                                peer
host    all             all             all                     scram-sha-256
HBA

# The socket directory must be writable by postgres; /run is not.
exec postgres -D "$PGDATA" -c unix_socket_directories=/tmp "$@"
