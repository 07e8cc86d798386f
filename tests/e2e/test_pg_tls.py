"""The PostgreSQL store over TLS with sslmode=verify-full, against a real
server whose certificate the test CA (servers/testca.py) issued.

The test starts a private cluster of its own (tests/support/pg_cluster.sh
start, never the shared DAHUB_TEST_PG one, which other tests use at the same
time), then over its socket makes it listen on 127.0.0.1 on a free port with
ssl = on and a certificate for IP 127.0.0.1, and lets a role with a
password (scram) in through a hostssl line of pg_hba.conf only. Then:

- `dahub check` passes and `dahub serve` stores a dropped file, its session
  encrypted, with verify-full and the test CA as sslrootcert;
- `dahub check` fails, naming the problem and never the connection string
  or the password, with a CA that did not issue the server's certificate,
  with a certificate for another name (localhost only, while the hub
  connects to 127.0.0.1), and with sslmode=disable, which the hostssl-only
  server refuses; `dahub serve` with the wrong CA does not start, and says
  why without the password.

Needs PostgreSQL 15's binaries (or PG_BIN) and openssl; skipped without
them. All data and credentials are synthetic.
"""

import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import pg_e2e  # noqa: E402
from dahub_e2e import SOURCE_DIR, HubTestCase, csv_bytes  # noqa: E402
from servers import testca  # noqa: E402

FEED = "demo_long"
Q1 = "FY2024-25-Q1"
ROWS = [["E07000130", Q1, "helpline_contacts", "male", "12"],
        ["E07000131", Q1, "helpline_contacts", "female", "17"]]
ROLE = "tls_hub"
PG_BIN = os.environ.get("PG_BIN") or "/usr/lib/postgresql/15/bin"
_databases = itertools.count(1)
CLUSTER = os.path.join(SOURCE_DIR, "tests", "support", "pg_cluster.sh")


def missing():
    """Why the test cannot run here, or None."""
    if not os.access(os.path.join(PG_BIN, "initdb"), os.X_OK):
        return "no PostgreSQL 15 binaries in %s (apt-get install postgresql-15)" % PG_BIN
    if not os.access(os.path.join(PG_BIN, "psql"), os.X_OK) and not shutil.which("psql"):
        return "no psql"
    if shutil.which("openssl") is None:
        return "no openssl"
    return None


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cluster(cmd, folder):
    r = subprocess.run(["sh", CLUSTER, cmd, folder], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise AssertionError("pg_cluster.sh %s: %s" % (cmd, r.stderr.strip()))
    return r.stdout.strip()


@unittest.skipIf(missing(), missing())
class PostgresTlsTest(HubTestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="dahub-e2e-pgtls-")
        # a folder of its own, which pg_cluster.sh gives the cluster's user
        cls.dir = tempfile.mkdtemp(prefix="dahub-e2e-pgtls-cluster-")
        try:
            cls._start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def _start(cls):
        admin = cluster("start", cls.dir)
        cls.certs = testca.make_certs(os.path.join(cls.tmp, "ca"))
        cls.other_ca = testca.make_certs(os.path.join(cls.tmp, "other-ca")).ca_file
        cls.localhost_only = testca.issue(os.path.join(cls.tmp, "ca"), "localhost-only",
                                          "DNS:localhost")
        data = os.path.join(cls.dir, "data")
        # the server reads its key as the cluster's user (postgres, as
        # root), and refuses one that others may read
        owner = os.stat(data).st_uid
        for stem, (cert, key) in (("server", (cls.certs.cert_file, cls.certs.key_file)),
                                  ("localhost-only", cls.localhost_only)):
            for src, dst, mode in ((cert, stem + ".pem", 0o644), (key, stem + ".key", 0o600)):
                path = os.path.join(data, dst)
                shutil.copyfile(src, path)
                os.chown(path, owner, -1)
                os.chmod(path, mode)
        cls.port = free_port()
        cls.password = "synthetic-" + os.urandom(12).hex()
        cls.admin = admin
        cls.psql("ALTER SYSTEM SET listen_addresses = '127.0.0.1'")
        cls.psql("ALTER SYSTEM SET port = %d" % cls.port)
        cls.psql("ALTER SYSTEM SET ssl = on")
        cls.psql("ALTER SYSTEM SET ssl_cert_file = 'server.pem'")
        cls.psql("ALTER SYSTEM SET ssl_key_file = 'server.key'")
        cls.psql("ALTER SYSTEM SET password_encryption = 'scram-sha-256'")
        cls.psql("CREATE ROLE %s LOGIN PASSWORD '%s'" % (ROLE, cls.password))
        # the socket stays trusted for the test's own psql; over TCP only
        # TLS and the role's password, no plain host line
        with open(os.path.join(data, "pg_hba.conf"), "w") as f:
            f.write("local all all trust\n"
                    "hostssl all %s 127.0.0.1/32 scram-sha-256\n" % ROLE)
        cluster("restart", cls.dir)
        # the socket's name follows the port
        cls.admin = "%s port=%d" % (admin, cls.port)
        if cls.psql("SHOW ssl").strip() != "on":
            raise AssertionError("the server did not turn ssl on")

    @classmethod
    def tearDownClass(cls):
        cluster("stop", cls.dir)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def psql(cls, sql, dbname="postgres"):
        return pg_e2e.psql(pg_e2e.with_dbname(cls.admin, dbname), sql)

    def make_tls_hub(self, **conninfo):
        """A hub whose store is a database of its own, which the role owns,
        over TLS; conninfo's words are added to (or replace) verify-full
        with the test CA."""
        self.db = "dahub_tls_%d" % next(_databases)
        self.psql("CREATE DATABASE %s OWNER %s" % (self.db, ROLE))
        self.addCleanup(self.psql, "DROP DATABASE %s WITH (FORCE)" % self.db)
        words = {"host": "127.0.0.1", "port": str(self.port), "dbname": self.db,
                 "user": ROLE, "password": self.password, "sslmode": "verify-full",
                 "sslrootcert": self.certs.ca_file, "connect_timeout": "5"}
        words.update(conninfo)
        hub = self.make_hub()
        path = os.path.join(hub.conf_dir, "tls.conninfo")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(" ".join("%s=%s" % kv for kv in words.items()) + "\n")
        hub.hub_conf["store"] = {"postgresql": {"conninfo_file": "tls.conninfo",
                                                "board": "e2e"}}
        hub.write_hub_json(hub.hub_conf)
        return hub

    def check(self, hub):
        r = hub.cli("check", "--config", hub.config)
        self.assertNotIn(self.password, r.stdout + r.stderr, "the password is shown")
        self.assertNotIn("sslrootcert", r.stdout + r.stderr, "the conninfo is shown")
        self.assertNotIn("port %d" % self.port, r.stdout + r.stderr, "libpq's where is shown")
        return r

    def assertCheckFails(self, hub, reason):
        r = self.check(hub)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertNotIn("ok:", r.stdout)
        last = r.stderr.strip().splitlines()[-1]
        self.assertTrue(last.startswith("%s: store: postgresql: " % hub.config), last)
        self.assertIn(reason, last)
        return last

    def test_verify_full_with_the_test_ca_checks_and_stores(self):
        hub = self.make_tls_hub()
        r = self.check(hub)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"(?m)^store: PostgreSQL 15\.\d+ answered, as role %s$"
                         % ROLE)
        self.assertRegex(r.stdout, r"(?m)^ok: .*store PostgreSQL \(board e2e\)$")
        hub.start()
        hub.drop(FEED, "q1.csv", csv_bytes(ROWS))
        hub.wait_done(FEED, "q1.csv")
        rows = self.psql("SELECT board || ' ' || file_name FROM ingests", self.db)
        self.assertEqual(rows.split(), ["e2e", "q1.csv"])
        # every session of the hub is encrypted (the hba file allows no
        # other, and the server says so)
        ssl = self.psql("SELECT string_agg(s.ssl::text, ',') FROM pg_stat_ssl s JOIN "
                        "pg_stat_activity a USING (pid) WHERE a.usename = '%s'" % ROLE)
        self.assertTrue(ssl.strip(), "no session of the hub")
        self.assertEqual(set(ssl.strip().split(",")), {"true"})
        hub.stop()
        self.assertNotIn(self.password, hub.log_text(all_runs=True))

    def test_check_fails_with_a_ca_that_did_not_issue_the_certificate(self):
        hub = self.make_tls_hub(sslrootcert=self.other_ca)
        self.assertCheckFails(hub, "certificate verify failed")
        # the daemon does not start on it either, and says why
        hub.start(wait_ready=False)
        hub.proc.wait(timeout=60)
        self.assertNotEqual(hub.proc.returncode, 0)
        log = hub.log_text(all_runs=True)
        self.assertIn("certificate verify failed", log)
        self.assertNotIn(self.password, log)

    def test_check_fails_with_a_certificate_for_another_name(self):
        self.psql("ALTER SYSTEM SET ssl_cert_file = 'localhost-only.pem'")
        self.psql("ALTER SYSTEM SET ssl_key_file = 'localhost-only.key'")
        self.psql("SELECT pg_reload_conf()")
        self.addCleanup(self.psql, "SELECT pg_reload_conf()")
        self.addCleanup(self.psql, "ALTER SYSTEM SET ssl_key_file = 'server.key'")
        self.addCleanup(self.psql, "ALTER SYSTEM SET ssl_cert_file = 'server.pem'")
        hub = self.make_tls_hub()
        self.assertCheckFails(hub, 'does not match host name "127.0.0.1"')

    def test_check_fails_without_tls_on_a_hostssl_server(self):
        hub = self.make_tls_hub(sslmode="disable")
        self.assertCheckFails(hub, "no encryption")


if __name__ == "__main__":
    unittest.main(verbosity=2)
