#!/bin/sh
# A throwaway PostgreSQL cluster for the tests, in a folder of its own.
#
#   pg_cluster.sh start DIR   makes DIR (empty or absent), runs initdb and
#                             pg_ctl start in it, and prints the conninfo of
#                             its superuser on stdout (for DAHUB_TEST_PG)
#   pg_cluster.sh restart DIR stops that server fast (its sessions ended,
#                             as in a failover) and starts it again with the
#                             same options, waiting until it accepts
#                             connections; fails when none runs in DIR
#   pg_cluster.sh down DIR    stops that server fast and keeps DIR, as a
#                             server that is down for a while
#   pg_cluster.sh up DIR      starts the server of DIR again after a down,
#                             with the same options, waiting until it
#                             accepts connections
#   pg_cluster.sh stop DIR    stops that server and removes DIR; quiet and
#                             successful when there is nothing to stop
#
# The server listens on a unix socket in DIR only (listen_addresses=''), so
# it needs no port and cannot be reached from the network (unless a test
# changes listen_addresses with ALTER SYSTEM and restarts it); its local
# connections are trusted, which is safe for a socket in a folder no one
# else can enter. initdb refuses to run as root: as root (CI), the cluster
# runs as the postgres user Debian's package creates (or nobody), who owns
# DIR; otherwise it runs as the caller. The binaries are Debian's
# (/usr/lib/postgresql/15/bin) unless PG_BIN names another folder.
set -eu

usage() {
  echo "usage: $0 start|restart|down|up|stop DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
cmd=$1
dir=$2
case "$dir" in
/*) ;;
*) dir="$(pwd)/$dir" ;;
esac

# The server's user may not enter the caller's folder (a checkout under
# /root): every path here is absolute, so work from /.
cd /
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ "$(id -u)" -eq 0 ]; then
  owner=postgres
  getent passwd postgres >/dev/null || owner=nobody
  as() { runuser -u "$owner" -- "$@"; }
else
  owner=$(id -un)
  as() { "$@"; }
fi

# Starts the server of DIR; -w waits until it accepts connections. Its
# settings are in its postgresql.conf (start writes them), not on pg_ctl's
# command line, so that a test's ALTER SYSTEM may change one (a
# command-line setting would beat it) and a restart keeps them.
serve() {
  as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    start >/dev/null || {
    cat "$dir/server.log" >&2
    exit 1
  }
}

case "$cmd" in
start)
  if [ ! -x "$bin/initdb" ]; then
    echo "pg_cluster: no initdb in $bin (apt-get install postgresql-15)" >&2
    exit 1
  fi
  mkdir -p "$dir"
  if [ -n "$(ls -A "$dir")" ]; then
    echo "pg_cluster: $dir is not empty" >&2
    exit 1
  fi
  chmod 700 "$dir"
  [ "$(id -u)" -eq 0 ] && chown "$owner" "$dir"
  as "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
  }
  # No network; a socket in DIR; small, and quick rather than durable (a
  # test cluster holds nothing worth an fsync).
  cat >>"$dir/data/postgresql.conf" <<EOF
# tests/support/pg_cluster.sh
listen_addresses = ''
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 40
shared_buffers = 32MB
EOF
  serve
  echo "host=$dir user=postgres dbname=postgres"
  ;;
restart)
  if [ ! -f "$dir/data/postmaster.pid" ]; then
    echo "pg_cluster: no server runs in $dir" >&2
    exit 1
  fi
  # started again from its postgresql.conf: the same socket folder and
  # settings
  as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 60 \
    restart >/dev/null || {
    cat "$dir/server.log" >&2
    exit 1
  }
  ;;
down)
  if [ ! -f "$dir/data/postmaster.pid" ]; then
    echo "pg_cluster: no server runs in $dir" >&2
    exit 1
  fi
  as "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
  ;;
up)
  if [ ! -d "$dir/data" ] || [ -f "$dir/data/postmaster.pid" ]; then
    echo "pg_cluster: no stopped server in $dir" >&2
    exit 1
  fi
  serve
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null ||
      as "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true
  fi
  rm -rf "$dir"
  ;;
*)
  usage
  ;;
esac
