#!/bin/sh
# Entrypoint of the cdc-sync mariadb image. Contract (the Pulumi program relies on it; it is the subset of the
# official mysql/mariadb images' contract that cdc-sync uses, so those images are drop-in replacements):
#   arguments                  server options only (--name[=value]); passed to mariadbd
#   MYSQL_ROOT_PASSWORD_FILE   required on first start: file holding the root password (never the password itself,
#                              so it does not show in `docker inspect`)
#   MYSQL_ROOT_HOST            optional: host part of an extra root account (e.g. % for the server's network)
# First start (empty data directory): initialise it, set the passwords through a server that listens on a private
# socket only, stop it. Every start: mariadbd replaces this shell (exec), so it is PID 1 and gets SIGTERM directly.
set -eu

datadir=/var/lib/mysql
fail() { echo "cdc-sync-mariadb-entrypoint: $*" >&2; exit 2; }

for arg in "$@"; do
  case "$arg" in
    -*) ;;
    *) fail "unexpected argument '$arg': only server options (--name[=value]) are accepted" ;;
  esac
done

# A fresh named volume takes the image directory's ownership, a bind mount may not.
chown mysql:mysql "$datadir"

# SQL string literal body: backslash and quote escaped (the server runs without NO_BACKSLASH_ESCAPES here).
sql_string() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g"; }

if [ ! -d "$datadir/mysql" ]; then
  [ -n "${MYSQL_ROOT_PASSWORD_FILE:-}" ] || fail "the data directory is empty and MYSQL_ROOT_PASSWORD_FILE is unset"
  [ -r "$MYSQL_ROOT_PASSWORD_FILE" ] || fail "MYSQL_ROOT_PASSWORD_FILE=$MYSQL_ROOT_PASSWORD_FILE is not a readable file"
  password="$(cat "$MYSQL_ROOT_PASSWORD_FILE")"
  [ -n "$password" ] || fail "$MYSQL_ROOT_PASSWORD_FILE is empty"
  pw="$(sql_string "$password")"
  host="$(sql_string "${MYSQL_ROOT_HOST:-localhost}")"

  echo "cdc-sync-mariadb-entrypoint: initialising $datadir" >&2
  mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db >/dev/null
  socket=/run/mysqld/init.sock
  mariadbd --user=mysql --datadir="$datadir" --skip-networking --socket="$socket" &
  init_pid=$!
  trap 'kill "$init_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 1 60); do
    mariadb-admin --socket="$socket" --user=root ping >/dev/null 2>&1 && break
    sleep 1
  done
  # root@localhost keeps socket authentication (ops: `docker exec <c> mariadb`) and gets the password too.
  # The statements travel on stdin, never in a process argument list; printf, not echo: dash's echo would
  # interpret the backslashes of the escaped password.
  {
    printf '%s\n' "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('$pw');"
    if [ "$host" != localhost ]; then
      printf '%s\n' "CREATE USER 'root'@'$host' IDENTIFIED BY '$pw';"
      printf '%s\n' "GRANT ALL PRIVILEGES ON *.* TO 'root'@'$host' WITH GRANT OPTION;"
    fi
    printf '%s\n' "SHUTDOWN;"
  } | mariadb --socket="$socket" --user=root
  wait "$init_pid" || true
  trap - EXIT
  unset password pw
  echo "cdc-sync-mariadb-entrypoint: initialised" >&2
fi

exec mariadbd --user=mysql --datadir="$datadir" "$@"
