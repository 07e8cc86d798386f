"""A recording SMTP server on 127.0.0.1 for the hub's e-mail delivery tests.

SMTPServer runs Debian's aiosmtpd (aiosmtpd.controller.Controller, in its own
daemon thread) on an ephemeral port. Every accepted message is recorded as a
Message (mail_from, rcpt_tos, data = the raw bytes after DATA, message = an
email.message.EmailMessage parsed from them, auth_user, tls, time); every
scripted refusal as a Refusal. Options: STARTTLS offered or required, or
implicit TLS (smtps), both with the test CA's server certificate (testca);
AUTH PLAIN and LOGIN against one username and password (allowed without TLS:
a test checks Message.tls itself); and scripted failures:

    with SMTPServer(starttls=True, require_starttls=True,
                    auth=("hub", "synthetic-password")) as srv:
        srv.fail_next(1, code=451, at="DATA")   # then accept
        ... configure the hub with srv.host, srv.port, srv.ca_file ...
        (msg,) = srv.wait_for_messages(1)
        assert srv.refusals[0].code == 451 and msg.tls
"""

import collections
import email.parser
import email.policy
import logging
import socket
import threading
import time
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from . import testca

# aiosmtpd warns of AUTH allowed without TLS (intended here) and of its own
# use of a deprecated attribute on every AUTH; errors still show.
logging.getLogger("mail.log").setLevel(logging.ERROR)
warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)

Message = collections.namedtuple("Message", "mail_from rcpt_tos data message auth_user tls time")
Refusal = collections.namedtuple("Refusal", "stage code mail_from rcpt_tos time")

_TEXT = {4: "4.3.0 Temporary failure, try again later (scripted)",
         5: "5.7.1 Message refused (scripted)"}


class _Controller(Controller):
    """Listens on a socket bound before start, so that port 0 works (the
    stock Controller connects to its configured port to check it is up)."""

    def __init__(self, handler, sock, **kwargs):
        super().__init__(handler, hostname="127.0.0.1", port=sock.getsockname()[1], **kwargs)
        self._sock = sock

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock,
                                       ssl=self.ssl_context)


class SMTPServer:
    def __init__(self, certs=None, starttls=False, require_starttls=False, smtps=False,
                 auth=None, auth_required=None, hostname="mail.test.invalid"):
        """certs: testca.Certs (default testca.shared_certs()); starttls: offer
        STARTTLS (require_starttls implies it); smtps: TLS from the first byte;
        auth: (username, password) for AUTH PLAIN/LOGIN; auth_required:
        refuse MAIL before AUTH (default: when auth is given)."""
        if smtps and (starttls or require_starttls):
            raise ValueError("smtps and STARTTLS are exclusive")
        self.certs = certs or testca.shared_certs()
        self.ca_file = self.certs.ca_file
        self.host = "127.0.0.1"
        self.smtps = smtps
        self.auth = auth
        self._lock = threading.Condition()
        self._failures = collections.deque()  # [stage, code, text]
        self._messages = []
        self._refusals = []
        self.auth_failures = 0
        ctx = testca.server_context(self.certs)
        kwargs = dict(server_hostname=hostname, ready_timeout=10.0,
                      decode_data=False, enable_SMTPUTF8=False,
                      auth_require_tls=False)
        if smtps:
            kwargs["ssl_context"] = ctx
        elif starttls or require_starttls:
            kwargs.update(tls_context=ctx, require_starttls=require_starttls)
        if auth is not None:
            kwargs.update(authenticator=self._authenticate,
                          auth_required=True if auth_required is None else auth_required)
        self._kwargs = kwargs
        self._controller = None

    # --------------------------------------------------------- lifecycle
    def start(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        sock.listen(16)
        self.port = sock.getsockname()[1]
        self._controller = _Controller(_Handler(self), sock, **self._kwargs)
        try:
            self._controller.start()
        except BaseException:
            sock.close()
            self._controller = None
            raise
        return self

    def stop(self):
        """Closes the listener and every open session; joins the thread."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --------------------------------------------------------- scripting
    def fail_next(self, count=1, code=451, at="DATA", text=None):
        """The next count transactions (MAIL FROM to end of DATA) are refused
        with code at stage at: "MAIL", "RCPT" (every recipient) or "DATA"
        (after the message was received)."""
        if at not in ("MAIL", "RCPT", "DATA"):
            raise ValueError("at: MAIL, RCPT or DATA")
        with self._lock:
            for _ in range(count):
                self._failures.append((at, code, text or _TEXT[code // 100]))

    # --------------------------------------------------------- observing
    @property
    def messages(self):
        with self._lock:
            return list(self._messages)

    @property
    def refusals(self):
        with self._lock:
            return list(self._refusals)

    def wait_for_messages(self, count, timeout=10.0):
        """Waits until count messages were accepted; returns them, or raises
        AssertionError at the timeout."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._messages) >= count, timeout):
                raise AssertionError("%d of %d messages after %.1f s (%d refused)" % (
                    len(self._messages), count, timeout, len(self._refusals)))
            return list(self._messages)

    # --------------------------------------------------------- internals
    def _authenticate(self, server, session, envelope, mechanism, data):
        ok = (isinstance(data, LoginPassword) and self.auth is not None
              and data.login == self.auth[0].encode() and data.password == self.auth[1].encode())
        if not ok:
            with self._lock:
                self.auth_failures += 1
        if ok:
            return AuthResult(success=True, auth_data=self.auth[0])
        return AuthResult(success=False, handled=False)  # aiosmtpd answers 535

    def _refuse(self, envelope, stage):
        """The SMTP reply when this transaction is scripted to fail at stage."""
        f = getattr(envelope, "scripted_failure", None)
        if f is None or f[0] != stage:
            return None
        if not getattr(envelope, "scripted_recorded", False):  # once per transaction
            envelope.scripted_recorded = True
            with self._lock:
                self._refusals.append(Refusal(stage, f[1], envelope.mail_from,
                                              list(envelope.rcpt_tos), time.monotonic()))
                self._lock.notify_all()
        return "%d %s" % (f[1], f[2])

    def _record(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        msg = email.parser.BytesParser(policy=email.policy.default).parsebytes(data)
        tls = server.transport.get_extra_info("ssl_object") is not None
        user = session.auth_data if session.authenticated else None
        with self._lock:
            self._messages.append(Message(envelope.mail_from, list(envelope.rcpt_tos), data,
                                          msg, user, tls, time.monotonic()))
            self._lock.notify_all()


class _Handler:
    """aiosmtpd hooks: each returns the SMTP reply."""

    def __init__(self, owner):
        self.owner = owner

    async def handle_MAIL(self, server, session, envelope, address, options):
        with self.owner._lock:
            failure = self.owner._failures.popleft() if self.owner._failures else None
        envelope.scripted_failure = failure
        envelope.mail_from = address
        refused = self.owner._refuse(envelope, "MAIL")
        if refused:
            envelope.mail_from = None  # no transaction: RCPT must be refused (503)
            return refused
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        refused = self.owner._refuse(envelope, "RCPT")
        if refused:
            return refused
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        refused = self.owner._refuse(envelope, "DATA")
        if refused:
            return refused
        self.owner._record(server, session, envelope)
        return "250 Message accepted for delivery"
