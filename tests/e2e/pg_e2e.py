"""The end-to-end suite on PostgreSQL's store (Python standard library only).

With DAHUB_E2E_STORE=postgresql, each Hub gets a database of its own in the
test cluster named by DAHUB_TEST_PG (the superuser's connection string, as
tests/support/pg_cluster.sh prints it), made with psql and dropped at its
cleanup; the hub reaches it through a mode-600 conninfo file named in
hub.json's "store". The harness reads the store through psql: each query's
rows come back as JSON (json_agg), so numbers stay numbers and NULL is None,
as sqlite3 gives them.

Environment:
  DAHUB_E2E_STORE  "sqlite" (default) or "postgresql"
  DAHUB_TEST_PG    the test cluster's superuser conninfo; without it a
                   PostgreSQL run skips (exit 77, which ctest shows skipped)
  PG_BIN           the folder of psql and pg_dump (default Debian's
                   /usr/lib/postgresql/15/bin, then PATH)
"""

import itertools
import json
import os
import shutil
import subprocess
import sys
import urllib.parse

STORE = os.environ.get("DAHUB_E2E_STORE", "sqlite") or "sqlite"
ON_PG = STORE == "postgresql"
SUPERUSER = os.environ.get("DAHUB_TEST_PG", "")
BOARD = "e2e"
SKIP_CODE = 77

if STORE not in ("sqlite", "postgresql"):
    sys.exit("DAHUB_E2E_STORE: expected sqlite or postgresql, found %r" % STORE)


def skip_without_cluster():
    """A PostgreSQL run without a cluster says why and exits 77."""
    if ON_PG and not SUPERUSER:
        sys.stderr.write("DAHUB_TEST_PG is not set: the PostgreSQL run is "
                         "skipped (tests/support/pg_cluster.sh starts a cluster)\n")
        sys.exit(SKIP_CODE)


def _tool(name):
    for d in (os.environ.get("PG_BIN"), "/usr/lib/postgresql/15/bin"):
        if d and os.access(os.path.join(d, name), os.X_OK):
            return os.path.join(d, name)
    found = shutil.which(name)
    if found is None:
        raise AssertionError("no %s (install postgresql-15 or set PG_BIN)" % name)
    return found


def psql(conninfo, sql):
    """Runs sql with psql on conninfo; psql's unaligned output."""
    r = subprocess.run([_tool("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                        "-d", conninfo, "-c", sql],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=60)
    if r.returncode != 0:
        raise AssertionError("psql: %s: %s" % (sql[:200], r.stderr.strip()))
    return r.stdout


def with_dbname(conninfo, dbname):
    """conninfo (key=value words or a postgresql:// URI) naming dbname."""
    if conninfo.startswith(("postgresql://", "postgres://")):
        u = urllib.parse.urlsplit(conninfo)
        return urllib.parse.urlunsplit(u._replace(path="/" + dbname))
    # a later keyword wins in libpq's key=value strings
    return "%s dbname=%s" % (conninfo, dbname)


def literal(v):
    """v as an SQL literal, for the harness's own queries' parameters."""
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return "'%s'" % str(v).replace("'", "''")


def bind(sql, params):
    """sqlite3's ? placeholders filled with literals (outside quotes)."""
    params = list(params)
    out, quoted = [], False
    for ch in sql:
        if ch == "'":
            quoted = not quoted
        if ch == "?" and not quoted:
            out.append(literal(params.pop(0)))
        else:
            out.append(ch)
    if params:
        raise AssertionError("more parameters than placeholders in %r" % sql)
    return "".join(out)


class Row(dict):
    """A row read by key or by position, as sqlite3.Row."""

    def __getitem__(self, k):
        if isinstance(k, int):
            return list(self.values())[k]
        return dict.__getitem__(self, k)

    def __iter__(self):
        return iter(list(self.values()))


class Cursor:
    def __init__(self, rows):
        self._rows = rows

    def fetchall(self):
        return list(self._rows)

    def fetchone(self):
        return self._rows[0] if self._rows else None

    def __iter__(self):
        return iter(self._rows)


class Connection:
    """What the tests call of a sqlite3 connection: execute(sql, params)."""

    def __init__(self, db):
        self.db = db

    def execute(self, sql, params=()):
        return Cursor(self.db.rows(sql, params))

    def close(self):
        pass


_serial = itertools.count(1)


class Database:
    """One hub's database in the test cluster (or in the cluster whose
    superuser's conninfo is superuser: a test's private one); with of,
    another hub's (two hubs of one board), which that hub's cleanup
    drops."""

    def __init__(self, conf_dir, of=None, superuser=None):
        self.owner = of is None
        if of is not None:
            self.name, self.conninfo = of.name, of.conninfo
            self.superuser = of.superuser
        else:
            self.superuser = superuser or SUPERUSER
            self.name = "dahub_e2e_%d_%d" % (os.getpid(), next(_serial))
            self.conninfo = with_dbname(self.superuser, self.name)
            self._admin("DROP DATABASE IF EXISTS %s" % self.name)
            self._admin("CREATE DATABASE %s" % self.name)
        self.conninfo_file = os.path.join(conf_dir, "pg.conninfo")
        fd = os.open(self.conninfo_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.conninfo + "\n")

    def store_conf(self):
        return {"postgresql": {"conninfo_file": "pg.conninfo", "board": BOARD}}

    def _psql(self, conninfo, sql):
        return psql(conninfo, sql)

    def _admin(self, sql):
        return self._psql(self.superuser, sql)

    def sql(self, sql):
        """Runs sql in the hub's database as the superuser; psql's output."""
        return self._psql(self.conninfo, sql)

    def rows(self, sql, params=()):
        sql = bind(sql.strip().rstrip(";"), params)
        text = self.sql("SELECT coalesce(json_agg(t), '[]') FROM (%s) t" % sql)
        return [Row(r) for r in json.loads(text)]

    def dump(self):
        """The database's data as text, to look for what must not be in it."""
        r = subprocess.run([_tool("pg_dump"), "--data-only", "-d", self.conninfo],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           errors="replace", timeout=60)
        if r.returncode != 0:
            raise AssertionError("pg_dump: %s" % r.stderr.strip())
        return r.stdout

    def drop(self):
        if not self.owner:
            return
        self._admin("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.name)

