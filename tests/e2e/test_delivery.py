"""Delivery of board summaries: the real `dahub serve` sends what `dahub
report` recorded, by e-mail to an SMTP server and by HTTPS POST to a web
server, both real and on 127.0.0.1 with certificates from a test CA.

Checked: attachments byte-identical to the outbox files; one key per
summary version and destination, so a resend is recognised; a server down
for a while and a daemon killed mid-attempt still end with each key
processed exactly once; 401 parks until an operator fixes the credential
and re-drives it; Retry-After is honoured; no credential in any log,
listing or the store."""

import os
import sys
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import HubTestCase, csv_bytes, long_feed, scaled  # noqa: E402
from servers.https import HTTPSServer  # noqa: E402
from servers.smtp import SMTPServer  # noqa: E402

FEED = "demo_long"
Q1 = "FY2024-25-Q1"
SMTP_PASSWORD = "synthetic-smtp-secret-41"
TOKEN = "Bearer synthetic-token-77"
SUMMARY = {"outbox_dir": "../outbox", "sinks": ["json", "csv"], "meetings": []}
ROWS = [
    ["Charnwood", Q1, "helpline_contacts", "M", "31"],
    ["Blaby", Q1, "helpline_contacts", "F", "12"],
    ["Harborough", Q1, "helpline_contacts", "F", "40"],
]


def secret_file(hub, name, text, mode=0o600):
    path = os.path.join(hub.conf_dir, name)
    with open(path, "w") as f:
        f.write(text + "\n")
    os.chmod(path, mode)
    return path


class DeliveryTest(HubTestCase):

    def make_delivering_hub(self, deliveries, label=None):
        hub = self.make_hub(feeds=[long_feed(service_id=None)],
                            hub_extra={"summary": SUMMARY})
        secret_file(hub, "smtp-password", SMTP_PASSWORD)
        secret_file(hub, "board-token", TOKEN)
        hub.hub_conf["deliveries"] = deliveries
        hub.write_hub_json(hub.hub_conf)
        return hub

    def https_dest(self, srv, name="dashboard", payloads=("json",)):
        return {"name": name, "kind": "https", "url": srv.url + "/figures",
                "payloads": list(payloads), "auth_file": "board-token",
                "ca_file": srv.ca_file, "timeout": "5s"}

    def store_and_report(self, hub):
        """Ingests ROWS with the daemon running, then `dahub report`; returns
        the version's outbox folder."""
        hub.drop(FEED, "q1.csv", csv_bytes(ROWS))
        hub.wait_done(FEED, "q1.csv")
        r = hub.cli("report", "--config", hub.config, "--period", Q1)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("deliveries recorded", r.stdout)
        return os.path.join(hub.root, "outbox", Q1, "v1")

    def outbox_rows(self, hub):
        with hub.db() as db:
            return [tuple(r) for r in db.execute(
                "SELECT outbox_id, destination, key, state, attempts, status, answer"
                " FROM outbox ORDER BY outbox_id")]

    def wait_states(self, hub, want, timeout=30):
        hub.wait_for(lambda: [r[3] for r in self.outbox_rows(hub)] == want,
                     scaled(timeout), "outbox states %s (now %s)"
                     % (want, self.outbox_rows(hub)))

    def assertNoSecrets(self, hub, *extra_texts):
        texts = [hub.log_text(all_runs=True), hub.store_text()] + list(extra_texts)
        for t in texts:
            for secret in (SMTP_PASSWORD, TOKEN, TOKEN.split()[1]):
                self.assertNotIn(secret, t)

    def test_a_summary_goes_by_email_and_https(self):
        with SMTPServer(starttls=True, require_starttls=True,
                        auth=("figures", SMTP_PASSWORD)) as smtp, \
                HTTPSServer(authorization=TOKEN) as web:
            mail = {"name": "board_mail", "kind": "smtp",
                    "url": "smtp://127.0.0.1:%d" % smtp.port,
                    "from": "figures@council.example",
                    "to": ["clerk@council.example", "chair@council.example"],
                    "subject": "Board figures {label}, version {version}",
                    "payloads": ["json", "csv"], "username": "figures",
                    "password_file": "smtp-password", "ca_file": smtp.ca_file}
            web.set_default("/figures", {"status": 201, "body": "created"})
            hub = self.make_delivering_hub([mail, self.https_dest(web, payloads=("json", "csv"))])
            hub.start()
            folder = self.store_and_report(hub)
            (msg,) = smtp.wait_for_messages(1, timeout=scaled(30))
            web.wait_for_requests(2, path="/figures", timeout=scaled(30))
            self.wait_states(hub, ["sent", "sent", "sent"])

            self.assertTrue(msg.tls, "the password went in the clear")
            self.assertEqual(msg.auth_user, "figures")
            self.assertEqual(sorted(msg.rcpt_tos),
                             ["chair@council.example", "clerk@council.example"])
            self.assertEqual(len(msg.message.get_all("To")), 1)  # RFC 5322: one field
            m = msg.message
            self.assertEqual(m["Subject"], "Board figures Q1 2024/25, version 1")
            attached = {p.get_filename(): p.get_payload(decode=True)
                        for p in m.iter_attachments()}
            for name in ("summary.json", "summary.csv"):
                with open(os.path.join(folder, name), "rb") as f:
                    self.assertEqual(attached[name], f.read(), name)
            rows = self.outbox_rows(hub)
            self.assertIn("<dahub.%s@council.example>" % rows[0][2], m["Message-ID"])

            bodies = sorted(r.body for r in web.requests_for("/figures", "POST"))
            with open(os.path.join(folder, "summary.json"), "rb") as f:
                js = f.read()
            with open(os.path.join(folder, "summary.csv"), "rb") as f:
                cs = f.read()
            self.assertEqual(bodies, sorted([js, cs]))
            for r in web.requests_for("/figures", "POST"):
                self.assertEqual(r.headers["Authorization"], TOKEN)
            counts = web.idempotency_counts()
            self.assertEqual(sorted(counts), sorted(r[2] for r in rows[1:]))
            self.assertTrue(all(c == {"seen": 1, "processed": 1} for c in counts.values()))

            listing = hub.cli("deliveries", "--config", hub.config)
            self.assertEqual(listing.returncode, 0, listing.stderr)
            self.assertEqual(listing.stdout.count(" sent "), 3, listing.stdout)
            self.assertEvent(hub, "delivery_sent", destination="board_mail")
            self.assertNoSecrets(hub, listing.stdout, listing.stderr)

    def test_board_down_then_back_across_a_kill(self):
        with HTTPSServer(authorization=TOKEN) as web:
            # down twice, then an answer slow enough to kill the daemon in
            web.queue("/figures", {"status": 503}, {"reset": True},
                      {"status": 201, "delay": 4})
            web.set_default("/figures", {"status": 201})
            hub = self.make_delivering_hub([self.https_dest(web)])
            hub.start()
            self.store_and_report(hub)
            web.wait_for_requests(3, path="/figures", timeout=scaled(60))
            self.assertEvent(hub, "delivery_retry", destination="dashboard")
            hub.kill()                      # mid-attempt: the row stays sending
            self.assertEqual([r[3] for r in self.outbox_rows(hub)], ["sending"])
            hub.start()
            self.wait_states(hub, ["sent"], timeout=60)
            (key,) = [r[2] for r in self.outbox_rows(hub)]
            counts = web.idempotency_counts()
            self.assertEqual(list(counts), [key])
            # the receiver may have finished the killed attempt too: what a key
            # guards against is two board records, and the server counts a
            # key's processing once per 2xx it sent
            self.assertGreaterEqual(counts[key]["seen"], 4)
            self.assertEqual(len({r.idempotency_key for r in web.requests_for("/figures")}), 1)

    def test_401_parks_until_the_credential_is_fixed(self):
        # a long token, as identity providers issue, goes whole
        right = "Bearer " + "r" * 1500
        with HTTPSServer(authorization=right) as web:
            web.set_default("/figures", {"status": 201})
            hub = self.make_delivering_hub([self.https_dest(web)])
            hub.start()
            self.store_and_report(hub)
            self.wait_states(hub, ["parked"])
            (row,) = self.outbox_rows(hub)
            self.assertEqual(row[5], 401)
            self.assertEvent(hub, "delivery_parked", destination="dashboard")
            listing = hub.cli("deliveries", "--config", hub.config)
            self.assertIn("parked", listing.stdout)
            self.assertIn("status 401", listing.stdout)
            # nothing more happens by itself
            time.sleep(scaled(1))
            self.assertEqual(len(web.requests_for("/figures")), 1)
            secret_file(hub, "board-token", right)
            r = hub.cli("deliveries", "--config", hub.config, "--retry", str(row[0]))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.wait_states(hub, ["sent"])
            self.assertEqual(len(web.requests_for("/figures")), 2)
            r = hub.cli("deliveries", "--config", hub.config, "--retry", str(row[0]))
            self.assertEqual(r.returncode, 1)
            self.assertIn("not parked", r.stderr)
            r = hub.cli("deliveries", "--config", hub.config, "--retry", "999")
            self.assertIn("no such delivery", r.stderr)

    def test_retry_after_is_honoured(self):
        with HTTPSServer(authorization=TOKEN) as web:
            web.queue("/figures", {"status": 429, "headers": {"Retry-After": "2"}})
            web.set_default("/figures", {"status": 200})
            hub = self.make_delivering_hub([self.https_dest(web)])
            hub.start()
            self.store_and_report(hub)
            self.wait_states(hub, ["sent"])
            first, second = web.requests_for("/figures")
            self.assertGreaterEqual(second.time - first.time, 2.0)
            self.assertEqual(first.idempotency_key, second.idempotency_key)

    def mail_dest(self, smtp):
        return {"name": "board_mail", "kind": "smtp",
                "url": "smtp://127.0.0.1:%d" % smtp.port, "starttls": False,
                "from": "figures@council.example", "to": ["clerk@council.example"],
                "payloads": ["csv"]}

    def test_smtp_4xx_is_retried_and_5xx_parked(self):
        with SMTPServer() as smtp:
            smtp.fail_next(1, code=451, at="DATA")
            hub = self.make_delivering_hub([self.mail_dest(smtp)])
            hub.start()
            self.store_and_report(hub)
            (msg,) = smtp.wait_for_messages(1, timeout=scaled(30))
            self.wait_states(hub, ["sent"])
            self.assertEqual(len(smtp.refusals), 1)
            self.assertEqual(self.outbox_rows(hub)[0][4], 2)  # attempts
            self.assertEvent(hub, "delivery_retry", destination="board_mail")
        with SMTPServer() as smtp:
            smtp.fail_next(1, code=550, at="RCPT")
            hub = self.make_delivering_hub([self.mail_dest(smtp)])
            hub.start()
            self.store_and_report(hub)
            self.wait_states(hub, ["parked"])
            self.assertEqual(self.outbox_rows(hub)[0][5], 550)
            self.assertEqual(smtp.messages, [])

    def test_smtps_from_the_first_byte(self):
        with SMTPServer(smtps=True, auth=("figures", SMTP_PASSWORD)) as smtp:
            mail = {"name": "board_mail", "kind": "smtp",
                    "url": "smtps://127.0.0.1:%d" % smtp.port,
                    "from": "figures@council.example", "to": ["clerk@council.example"],
                    "payloads": ["json"], "username": "figures",
                    "password_file": "smtp-password", "ca_file": smtp.ca_file}
            hub = self.make_delivering_hub([mail])
            hub.start()
            self.store_and_report(hub)
            (msg,) = smtp.wait_for_messages(1, timeout=scaled(30))
            self.wait_states(hub, ["sent"])
            self.assertTrue(msg.tls)
            self.assertEqual(msg.auth_user, "figures")
            self.assertEqual(msg.message["Subject"],
                             "Board figures Q1 2024/25, version 1")
            self.assertNoSecrets(hub)

    def test_a_delivery_is_parked_after_give_up_after_never_dropped(self):
        with HTTPSServer(authorization=TOKEN) as web:
            web.set_default("/figures", {"status": 503})
            dest = self.https_dest(web)
            dest["give_up_after"] = "3s"
            hub = self.make_delivering_hub([dest])
            hub.start()
            self.store_and_report(hub)
            self.wait_states(hub, ["parked"], timeout=60)
            (row,) = self.outbox_rows(hub)
            self.assertIn("gave up after", row[6])
            self.assertGreaterEqual(row[4], 1)
            self.assertEvent(hub, "delivery_parked", destination="dashboard")

    def test_a_loose_credential_is_refused_at_start(self):
        hub = self.make_delivering_hub([{
            "name": "dashboard", "kind": "https", "url": "https://127.0.0.1:9/x",
            "payloads": ["json"], "auth_file": "board-token"}])
        os.chmod(os.path.join(hub.conf_dir, "board-token"), 0o644)
        r = hub.cli("check", "--config", hub.config)
        self.assertEqual(r.returncode, 1)
        self.assertIn("may be read by others (mode 644)", r.stderr)
        self.assertNoSecrets(hub, r.stdout, r.stderr)


if __name__ == "__main__":
    unittest.main()
