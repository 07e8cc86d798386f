"""The commands on a PostgreSQL store: `dahub check` says what it finds of
the server, the role, the schema, the role's rights and its board, and fails
on a problem; `dahub verify` checks the ingests and done/ through the
server; `dahub backup` refuses, naming pg_dump (exit 3).

Needs the test cluster (DAHUB_TEST_PG); skipped without it. Each test makes
a database of its own, and roles of its own that it drops afterwards.
All data is synthetic.
"""

import itertools
import os
import signal
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pg_e2e  # noqa: E402
from dahub_e2e import HubTestCase, csv_bytes  # noqa: E402

FEED = "demo_long"
Q1 = "FY2024-25-Q1"
ROWS = [["E07000130", Q1, "helpline_contacts", "male", "12"],
        ["E07000131", Q1, "helpline_contacts", "female", "17"]]
_roles = itertools.count(1)


@unittest.skipUnless(pg_e2e.SUPERUSER, "DAHUB_TEST_PG is not set")
class PostgresCommandsTest(HubTestCase):

    def make_pg_hub(self):
        hub = self.make_hub()
        if hub.pg is None:  # a run on SQLite: the database is this test's
            hub.pg = pg_e2e.Database(hub.conf_dir)
            hub.hub_conf["store"] = hub.pg.store_conf()
            hub.write_hub_json(hub.hub_conf)
        return hub

    def hub_role(self, hub, grant):
        """A login role that owns nothing, given grant (SQL, {r} its name);
        hub.json's conninfo file then connects as it. Dropped afterwards."""
        role = "e2e_hub_%d_%d" % (os.getpid(), next(_roles))
        hub.pg.sql("CREATE ROLE %s LOGIN; %s" % (role, grant.format(r=role)))
        self.addCleanup(self.drop_role, hub, role)
        with open(hub.pg.conninfo_file, "w") as f:
            f.write("%s user=%s\n" % (hub.pg.conninfo, role))
        return role

    @staticmethod
    def drop_role(hub, role):
        hub.kill()
        hub.pg.sql("DROP OWNED BY %s" % role)
        hub.pg._admin("DROP ROLE %s" % role)

    def check(self, hub):
        return hub.cli("check", "--config", hub.config)

    def make_schema(self, hub):
        hub.start()
        hub.stop()

    def test_check_as_the_owner_says_what_it_finds(self):
        hub = self.make_pg_hub()
        r = self.check(hub)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"(?m)^store: PostgreSQL 1[5-9]\.\d+ answered, as role \w+$")
        self.assertIn("store: no dahub schema yet: the first start makes version", r.stdout)
        self.assertRegex(r.stdout, r"(?m)^store: role \w+ may make the schema, and will own "
                                   r"its tables")
        self.assertRegex(r.stdout, r"(?m)^ok: 1 feeds, \d+ plugins, vocabulary loaded, "
                                   r"store PostgreSQL \(board e2e\)$")
        self.make_schema(hub)
        r = self.check(hub)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"(?m)^store: schema version \d+, this dahub's$")
        self.assertRegex(r.stdout, r"(?m)^store: role \w+ may write every table$")
        self.assertRegex(r.stdout, r"(?m)^store: board e2e: role \w+ owns the tables")
        self.assertNotIn(hub.pg.name, r.stdout + r.stderr, "the connection string is not shown")

    def test_check_fails_for_a_role_lacking_a_right(self):
        hub = self.make_pg_hub()
        self.make_schema(hub)
        role = self.hub_role(hub, "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {r}")
        r = self.check(hub)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("store: PostgreSQL", r.stdout)
        self.assertEqual(r.stderr.strip().splitlines()[-1],
                         "%s: store: postgresql: role %s may not write table ingests"
                         % (hub.config, role))
        self.assertNotIn("ok:", r.stdout)

    def test_check_fails_for_a_board_the_role_does_not_have(self):
        hub = self.make_pg_hub()
        self.make_schema(hub)
        role = self.hub_role(
            hub, "GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO {r}; "
                 "GRANT UPDATE ON ingests, current_periods, pull_state, outbox TO {r}; "
                 "GRANT UPDATE(holder_pid, renewed_at) ON board_leases TO {r}; "
                 "INSERT INTO board_roles(role, board) VALUES ('{r}', 'rutland')")
        r = self.check(hub)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("store: role %s may write every table" % role, r.stdout)
        self.assertIn("may not write board e2e's rows (its boards: rutland)", r.stderr)
        # given the board, the same role checks clean and the hub stores
        hub.pg.sql("INSERT INTO board_roles(role, board) VALUES ('%s', 'e2e')" % role)
        r = self.check(hub)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("store: board e2e: one of role %s's boards (e2e,rutland)" % role,
                      r.stdout)
        hub.start()
        hub.drop(FEED, "q1.csv", csv_bytes(ROWS))
        hub.wait_done(FEED, "q1.csv")
        self.assertEqual(hub.query("SELECT board, file_name FROM ingests"),
                         [{"board": "e2e", "file_name": "q1.csv"}])

    def test_check_fails_when_the_server_cannot_be_reached(self):
        hub = self.make_pg_hub()
        with open(hub.pg.conninfo_file, "w") as f:
            f.write("host=%s dbname=dahub connect_timeout=2\n"
                    % os.path.join(hub.root, "no-server"))
        r = self.check(hub)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("%s: store: postgresql:" % hub.config, r.stderr)
        self.assertNotIn("store: PostgreSQL", r.stdout)

    def test_check_refuses_a_conninfo_file_others_may_read(self):
        hub = self.make_pg_hub()
        os.chmod(hub.pg.conninfo_file, 0o644)
        r = self.check(hub)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("pg.conninfo", r.stderr)
        self.assertNotIn(hub.pg.name, r.stderr)

    def test_a_reload_may_not_change_the_store(self):
        hub = self.make_pg_hub()
        hub.start()
        conf = dict(hub.hub_conf)
        del conf["store"]  # back to SQLite's file: only on restart
        hub.write_hub_json(conf)
        hub.proc.send_signal(signal.SIGHUP)
        hub.wait_for(lambda: hub.events("reload_refused"), what="reload_refused")
        self.assertIn("store change only on restart",
                      hub.events("reload_error")[-1]["detail"])
        hub.drop(FEED, "q1.csv", csv_bytes(ROWS))
        hub.wait_done(FEED, "q1.csv")
        self.assertEqual(hub.query("SELECT board FROM ingests"), [{"board": "e2e"}])
        self.assertFalse(os.path.exists(hub.store_path))

    def test_backup_refuses_and_names_pg_dump(self):
        hub = self.make_pg_hub()
        copy = os.path.join(hub.outside_dir, "copy.sqlite")
        r = hub.cli("backup", "--config", hub.config, copy, plugin_dir=False)
        self.assertEqual(r.returncode, 3, r.stdout)
        self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
        self.assertIn("pg_dump", r.stderr)
        self.assertFalse(os.path.exists(copy))

    def test_verify_checks_ingests_and_done_through_the_server(self):
        hub = self.make_pg_hub()
        hub.start()
        hub.drop(FEED, "q1.csv", csv_bytes(ROWS))
        hub.wait_done(FEED, "q1.csv")
        r = hub.cli("verify", "--config", hub.config)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("store: PostgreSQL (board e2e): pages and keys are the "
                      "server's to check\n", r.stdout)
        self.assertIn("ingests: 1 hold the observations they recorded", r.stdout)
        self.assertIn("feed %s: done/: 1 files as recorded" % FEED, r.stdout)
        self.assertTrue(r.stdout.endswith("verify: ok\n"), r.stdout)
        # a figure gone behind the hub's back is found
        hub.pg.sql("DELETE FROM observations WHERE obs_id = (SELECT min(obs_id) "
                   "FROM observations)")
        r = hub.cli("verify", "--config", hub.config)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("problem: ", r.stdout)
        self.assertNotIn("12", r.stdout.replace(Q1, ""), "no figure is shown")


if __name__ == "__main__":
    unittest.main(verbosity=2)
