"""The test servers themselves (tests/e2e/servers), checked with standard
library clients only: urllib.request and http.client over TLS trusting the
test CA, a raw TLS exchange for what the clients hide, and smtplib. All data
is synthetic."""

import email.message
import email.utils
import http.client
import os
import smtplib
import socket
import ssl
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from servers import testca  # noqa: E402
from servers.https import HTTPSServer, http_date, parse_sf_string  # noqa: E402
from servers.smtp import SMTPServer  # noqa: E402

MIB = 1024 * 1024


def raw_exchange(port, ca_file, request):
    """Sends request over TLS driven through memory BIOs on a plain socket,
    so that a TCP reset reaches the caller as ConnectionResetError, not as an
    end of stream. Returns (bytes received, the exception or None when the
    server ended the TLS session cleanly with close_notify)."""
    ctx = testca.client_context(ca_file)
    ctx.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF  # a TCP end without close_notify: an error
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(inc, out, server_hostname="127.0.0.1")
    got = b""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        def run(op):
            while True:
                try:
                    result = op()
                    sock.sendall(out.read())
                    return result
                except ssl.SSLWantReadError:
                    sock.sendall(out.read())
                    data = sock.recv(65536)
                    inc.write(data) if data else inc.write_eof()
        try:
            run(tls.do_handshake)
            run(lambda: tls.write(request))
            while True:
                data = run(lambda: tls.read(65536))
                if not data:
                    return got, None
                got += data
        except (OSError, ssl.SSLError) as e:
            return got, e


class HTTPSServerTest(unittest.TestCase):

    def setUp(self):
        self.srv = HTTPSServer().start()
        self.addCleanup(self.srv.stop)
        self.ctx = testca.client_context(self.srv.ca_file)

    def open(self, path, data=None, headers=None, timeout=5):
        req = urllib.request.Request(self.srv.url + path, data=data, headers=headers or {})
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=timeout) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def conn(self, timeout=5):
        c = http.client.HTTPSConnection("127.0.0.1", self.srv.port, context=self.ctx,
                                        timeout=timeout)
        self.addCleanup(c.close)
        return c

    def test_scripted_429_then_200_then_the_default(self):
        later = http_date(time.time() + 2)
        self.srv.queue("/summaries", {"status": 429, "headers": {"Retry-After": "2"}},
                       {"status": 429, "headers": {"Retry-After": later}},
                       {"status": 200, "body": "accepted\n"})
        self.srv.set_default("/summaries", {"status": 503})
        status, headers, _ = self.open("/summaries")
        self.assertEqual((status, headers["Retry-After"]), (429, "2"))
        status, headers, _ = self.open("/summaries")
        self.assertEqual(status, 429)
        self.assertGreater(email.utils.parsedate_to_datetime(headers["Retry-After"]).timestamp(),
                           time.time())
        self.assertEqual(self.open("/summaries")[::2], (200, b"accepted\n"))
        self.assertEqual(self.open("/summaries")[0], 503)
        self.assertEqual(self.open("/elsewhere")[0], 404)
        self.assertEqual([r.path for r in self.srv.requests], ["/summaries"] * 4 + ["/elsewhere"])

    def test_conditional_get_answers_304_without_a_body(self):
        modified = 1700000000
        feed = b"Area,Value\nE07000129,3\n"
        self.srv.set_resource("/feed.csv", feed, etag='"v1"', last_modified=modified)
        status, headers, body = self.open("/feed.csv")
        self.assertEqual((status, headers["ETag"], body), (200, '"v1"', feed))
        self.assertEqual(headers["Last-Modified"], http_date(modified))
        for hdrs, want in [({"If-None-Match": '"v1"'}, 304), ({"If-None-Match": 'W/"v1"'}, 304),
                           ({"If-None-Match": '"v0"'}, 200),
                           ({"If-Modified-Since": http_date(modified)}, 304),
                           ({"If-Modified-Since": http_date(modified - 60)}, 200)]:
            c = self.conn()
            c.request("GET", "/feed.csv", headers=hdrs)
            r = c.getresponse()
            body = r.read()
            self.assertEqual(r.status, want, hdrs)
            self.assertEqual(body, b"" if want == 304 else feed, hdrs)
            self.assertEqual(r.getheader("ETag"), '"v1"')

    def test_an_idempotency_key_is_counted_once_processed(self):
        self.srv.queue("/summaries", {"status": 500}, {"status": 409}, {"status": 201})
        key = '"board-2024-Q1-7f3a"'
        statuses = [self.open("/summaries", b'{"synthetic":1}', {"Idempotency-Key": key})[0]
                    for _ in range(3)]
        self.assertEqual(statuses, [500, 409, 201])
        self.assertEqual(self.srv.idempotency_counts(),
                         {"board-2024-Q1-7f3a": {"seen": 3, "processed": 1}})
        self.assertEqual({r.body for r in self.srv.requests}, {b'{"synthetic":1}'})
        self.open("/summaries", b"{}", {"Idempotency-Key": key})  # the default: 404
        self.open("/other", b"{}", {"Idempotency-Key": key})
        self.assertEqual(self.srv.idempotency_counts()["board-2024-Q1-7f3a"]["processed"], 1)

    def test_an_unquoted_idempotency_key_is_a_parse_error(self):
        self.srv.set_default("/summaries", {"status": 201})
        status, _, _ = self.open("/summaries", b"{}", {"Idempotency-Key": "board-2024-Q1"})
        self.assertEqual(status, 400)
        self.assertEqual([v for v, _ in self.srv.key_errors], ["board-2024-Q1"])
        self.assertEqual(self.srv.idempotency_counts(), {})
        self.assertIsNotNone(self.srv.requests[0].idempotency_error)
        self.assertEqual(parse_sf_string(' "a\\"b\\\\c";v=1 '), 'a"b\\c')
        for bad in ['abc', '"abc', '"a"b"', '"a\\x"', '"é"', '"a", "b"', '"a";V=1', '']:
            with self.assertRaises(ValueError, msg=bad):
                parse_sf_string(bad)

    def test_reset_and_truncate_are_errors_for_the_client(self):
        self.srv.queue("/feed", {"reset": True}, {"truncate": 10, "body": "abc"},
                       {"truncate": 10, "body": "abc"})
        got, err = raw_exchange(self.srv.port, self.srv.ca_file,
                                b"GET /feed HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        self.assertIsInstance(err, ConnectionResetError, repr(err))
        self.assertEqual(got, b"")
        c = self.conn()
        c.request("GET", "/feed")
        r = c.getresponse()
        self.assertEqual(r.status, 200)
        with self.assertRaises(http.client.IncompleteRead):
            r.read()
        c.close()
        got, err = raw_exchange(self.srv.port, self.srv.ca_file,
                                b"GET /feed HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        self.assertIn(b"Content-Length: 13\r\n", got)
        self.assertTrue(got.endswith(b"\r\n\r\nabc"), got)
        self.assertIsNone(err, "a clean TLS close")

    def test_authorization_is_required_when_configured(self):
        srv = HTTPSServer(authorization="Bearer synthetic-token").start()
        self.addCleanup(srv.stop)
        srv.queue("/summaries", {"status": 201})
        self.srv, self.ctx = srv, testca.client_context(srv.ca_file)
        self.assertEqual(self.open("/summaries", b"{}")[0], 401)
        self.assertEqual(self.open("/summaries", b"{}", {"Authorization": "Bearer other"})[0], 401)
        self.assertEqual(self.open("/summaries", b"{}",
                                   {"Authorization": "Bearer synthetic-token"})[0], 201)
        self.assertEqual(len(srv.requests), 3)

    def test_a_large_body_and_a_client_that_stops_reading(self):
        self.srv.queue("/big", {"body_size": 5 * MIB}, {"body_size": 64 * MIB})
        status, headers, body = self.open("/big")
        self.assertEqual((status, int(headers["Content-Length"]), len(body)), (200, 5 * MIB, 5 * MIB))
        c = self.conn()
        c.request("GET", "/big")
        r = c.getresponse()
        self.assertEqual(len(r.read(MIB)), MIB)  # a size cap: read 1 MiB, hang up
        c.close()
        self.assertEqual(self.open("/big")[0], 404)  # still serving
        self.assertEqual(self.srv.errors, [])

    def test_stalls_time_the_client_out_and_stop_wakes_them(self):
        self.srv.queue("/slow", {"delay": 1.0}, {"stall_body": 1.0, "body": "0123456789"},
                       {"delay": 60})
        t = time.monotonic()
        with self.assertRaises(TimeoutError):
            self.open("/slow", timeout=0.3)
        self.assertLess(time.monotonic() - t, 0.9)
        c = self.conn(timeout=0.3)
        c.request("GET", "/slow")
        r = c.getresponse()
        self.assertEqual(r.status, 200)
        with self.assertRaises(TimeoutError):
            r.read()
        c.close()
        threads, outcome = threading.active_count(), []

        def hang():
            try:
                outcome.append(self.open("/slow", timeout=30))
            except OSError as e:  # http.client.RemoteDisconnected
                outcome.append(e)
        hung = threading.Thread(target=hang, daemon=True)
        hung.start()
        self.srv.wait_for_requests(3, path="/slow")
        t = time.monotonic()
        self.srv.stop()
        hung.join(5)
        self.assertLess(time.monotonic() - t, 2.0)
        self.assertFalse(hung.is_alive())
        self.assertIsInstance(outcome[0], ConnectionError)
        self.assertLessEqual(threading.active_count(), threads - 1)  # server thread gone
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", self.srv.port), timeout=2).close()

    def test_an_untrusted_client_is_a_handshake_error(self):
        with self.assertRaises(urllib.error.URLError):
            urllib.request.urlopen(self.srv.url + "/", context=ssl.create_default_context(),
                                   timeout=5)
        deadline = time.monotonic() + 5
        while not self.srv.handshake_errors and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(len(self.srv.handshake_errors), 1)
        self.assertEqual(self.srv.requests, [])


def message_with_attachment(payload):
    m = email.message.EmailMessage()
    m["From"] = "hub@dahub.test.invalid"
    m["To"] = "board@partner.test.invalid"
    m["Subject"] = "Board summary FY2024-25-Q1 (synthetic)"
    m.set_content("The synthetic summary is attached.\n")
    m.add_attachment(payload, maintype="application", subtype="octet-stream",
                     filename="summary.bin")
    return m


class SMTPServerTest(unittest.TestCase):

    ctx = None

    def server(self, **kwargs):
        srv = SMTPServer(**kwargs).start()
        self.addCleanup(srv.stop)
        self.ctx = testca.client_context(srv.ca_file)
        return srv

    def test_starttls_and_auth_record_a_byte_identical_attachment(self):
        srv = self.server(require_starttls=True, auth=("hub", "synthetic-password"))
        payload = bytes(range(256)) * 64 + b"\r\n.\r\n\x00end"
        with smtplib.SMTP(srv.host, srv.port, timeout=5) as c:
            with self.assertRaises(smtplib.SMTPSenderRefused) as e:
                c.sendmail("hub@dahub.test.invalid", ["board@partner.test.invalid"], b"x")
            self.assertEqual(e.exception.smtp_code, 530)
            self.assertIn(b"STARTTLS", e.exception.smtp_error)
        with smtplib.SMTP(srv.host, srv.port, timeout=5) as c:
            c.starttls(context=self.ctx)
            for user, password in [("hub", "wrong"), ("other", "synthetic-password")]:
                with self.assertRaises(smtplib.SMTPAuthenticationError):
                    c.login(user, password)
            c.login("hub", "synthetic-password")
            c.send_message(message_with_attachment(payload))
        (msg,) = srv.wait_for_messages(1)
        self.assertEqual((msg.mail_from, msg.rcpt_tos), ("hub@dahub.test.invalid",
                                                         ["board@partner.test.invalid"]))
        # smtplib tries each offered mechanism (LOGIN, PLAIN) for each wrong login
        self.assertEqual((msg.tls, msg.auth_user, srv.auth_failures), (True, "hub", 4))
        (att,) = msg.message.iter_attachments()
        self.assertEqual(att.get_filename(), "summary.bin")
        self.assertEqual(att.get_content(), payload)
        self.assertIn(b"Subject: Board summary", msg.data)

    def test_scripted_451_then_success_and_550_at_rcpt(self):
        srv = self.server(auth=("hub", "synthetic-password"))
        srv.fail_next(1, code=451, at="DATA")
        srv.fail_next(1, code=550, at="RCPT")
        m = message_with_attachment(b"synthetic")
        with smtplib.SMTP(srv.host, srv.port, timeout=5) as c:
            c.login("hub", "synthetic-password")
            with self.assertRaises(smtplib.SMTPDataError) as e:
                c.send_message(m)
            self.assertEqual(e.exception.smtp_code, 451)
            with self.assertRaises(smtplib.SMTPRecipientsRefused) as e:
                c.send_message(m)
            self.assertEqual(e.exception.recipients["board@partner.test.invalid"][0], 550)
            c.send_message(m)
        (msg,) = srv.wait_for_messages(1)
        self.assertEqual([(r.stage, r.code) for r in srv.refusals], [("DATA", 451), ("RCPT", 550)])
        self.assertEqual((msg.tls, msg.auth_user), (False, "hub"))

    def test_implicit_tls(self):
        srv = self.server(smtps=True)
        with smtplib.SMTP_SSL(srv.host, srv.port, context=self.ctx, timeout=5) as c:
            c.send_message(message_with_attachment(b"synthetic"))
        (msg,) = srv.wait_for_messages(1)
        self.assertEqual((msg.tls, msg.auth_user), (True, None))
        srv.stop()
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection((srv.host, srv.port), timeout=2).close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
