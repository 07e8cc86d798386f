#!/bin/sh
# tests/support/pg_cluster.sh itself: a started cluster answers on the
# socket in its folder and on no TCP address, its folder is private, a
# second start in the same folder is refused, a restart ends the sessions
# and brings a new server up on the same socket with the same settings, a
# restart with no server is refused, a down refuses connections until an
# up brings the server back with the same settings, and a stop leaves no server
# and no folder (and is quiet when there is nothing to stop). Skipped (77)
# without PostgreSQL 15's binaries.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$bin/initdb" ] || ! command -v psql >/dev/null; then
  echo "skipped: no PostgreSQL 15 (apt-get install postgresql-15)"
  exit 77
fi
fail() {
  echo "failed: $*" >&2
  exit 1
}

dir=$(mktemp -d "${TMPDIR:-/tmp}/dahub-pgcluster-XXXXXX")
trap '"$here/pg_cluster.sh" stop "$dir"' EXIT
conninfo=$("$here/pg_cluster.sh" start "$dir")
[ "$(psql "$conninfo" -Atc 'SELECT 1')" = 1 ] || fail "no answer"
[ -z "$(psql "$conninfo" -Atc 'SHOW listen_addresses')" ] ||
  fail "listens on TCP"
[ -S "$dir/.s.PGSQL.5432" ] || fail "no socket in $dir"
[ "$(stat -c %a "$dir")" = 700 ] || fail "$dir is not private"
if "$here/pg_cluster.sh" start "$dir" >/dev/null 2>&1; then
  fail "a second start in $dir"
fi
before=$(head -n 1 "$dir/data/postmaster.pid")
"$here/pg_cluster.sh" restart "$dir" || fail "restart"
pid=$(head -n 1 "$dir/data/postmaster.pid")
[ "$pid" != "$before" ] || fail "restart kept server $pid"
[ "$(psql "$conninfo" -Atc 'SELECT 1')" = 1 ] || fail "no answer after restart"
[ "$(psql "$conninfo" -Atc 'SHOW fsync')" = off ] ||
  fail "restart lost the settings"
[ -z "$(psql "$conninfo" -Atc 'SHOW listen_addresses')" ] ||
  fail "listens on TCP after restart"
"$here/pg_cluster.sh" down "$dir" || fail "down"
[ -d "$dir/data" ] || fail "down removed $dir"
if psql "$conninfo" -Atc 'SELECT 1' >/dev/null 2>&1; then
  fail "an answer while down"
fi
if "$here/pg_cluster.sh" down "$dir" >/dev/null 2>&1; then
  fail "a down with no server"
fi
"$here/pg_cluster.sh" up "$dir" || fail "up"
[ "$(psql "$conninfo" -Atc 'SHOW fsync')" = off ] || fail "up lost the settings"
if "$here/pg_cluster.sh" up "$dir" >/dev/null 2>&1; then
  fail "an up with a server running"
fi
pid=$(head -n 1 "$dir/data/postmaster.pid")
"$here/pg_cluster.sh" stop "$dir"
[ ! -e "$dir" ] || fail "$dir left behind"
# pg_ctl returns once the server removed its pid file, a moment before
# the process is gone
for _ in $(seq 50); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
  fail "server $pid still running 5 s after the stop"
fi
"$here/pg_cluster.sh" stop "$dir" || fail "a second stop"
if "$here/pg_cluster.sh" restart "$dir" >/dev/null 2>&1; then
  fail "a restart with no server"
fi
echo "pg_cluster.sh: ok"
