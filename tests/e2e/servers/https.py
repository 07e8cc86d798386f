"""A scripted HTTPS server on 127.0.0.1 for the hub's outbound HTTPS tests.

HTTPSServer runs http.server.ThreadingHTTPServer behind TLS 1.2+ on an
ephemeral port, with a certificate from the test CA (testca). A test queues
responses per path, each a dict used once in order; an empty queue falls
back to the path's default (set_default), its resource (set_resource: a GET
body with ETag / Last-Modified and conditional requests), or 404:

    with HTTPSServer(authorization="Bearer synthetic-token") as srv:
        srv.queue("/summaries", {"status": 429, "headers": {"Retry-After": "2"}},
                  {"status": 201})
        ... point the hub at srv.url + "/summaries", trust srv.ca_file ...
        srv.wait_for_requests(2, path="/summaries")
        assert srv.idempotency_counts()['abc'] == {"seen": 2, "processed": 1}

A response dict has these keys, all optional:
  status (200), headers ({} or pairs), body (bytes or str),
  body_size N: a body of N bytes (a repeating pattern), to test size caps,
  delay S: sleep S seconds before answering,
  stall_body S: send the headers and half the body, sleep S, send the rest,
  reset True: close the TCP connection with an RST (SO_LINGER 0), no answer,
  truncate N: declare a Content-Length N bytes larger than the body, send
      the body, end the TLS session and close.
Every request is recorded (Request: method, path, query, headers, body,
time = time.monotonic()). For POST and PUT the Idempotency-Key header must be
a structured-field string ("abc", quoted); idempotency_counts() gives per
key how many requests carried it ("seen") and how many were answered with a
2xx status line ("processed"). A malformed key is recorded in key_errors and
answered 400 (reject_bad_keys=False: answered as scripted). Sleeps end early
when the server stops.
"""

import collections
import email.utils
import http.server
import re
import socket
import ssl
import struct
import sys
import threading
import time

from . import testca

Request = collections.namedtuple(
    "Request", "method path query headers body time idempotency_key idempotency_error")


def http_date(when=None):
    """An IMF-fixdate (Retry-After, Last-Modified) for a Unix time, default now."""
    return email.utils.formatdate(time.time() if when is None else when, usegmt=True)


# RFC 8941: an Item whose bare item is a String, with optional parameters.
_SF_STRING = r'"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*"'
_SF_BARE = (_SF_STRING + r'|[A-Za-z*][\x21\x23-\x27\x2a\x2b\x2d-\x3a\x41-\x5a\x5e-\x7a\x7c\x7e]*'
            r'|-?\d{1,15}(?:\.\d{1,3})?|\?[01]|:[A-Za-z0-9+/=]*:')
_SF_ITEM = re.compile(r' *(%s)((?:;\s*[a-z*][a-z0-9_.*-]*(?:=(?:%s))?)*) *\Z'
                      % (_SF_STRING, _SF_BARE))


def parse_sf_string(value):
    """The string of a structured-field Item of type String, or ValueError."""
    m = _SF_ITEM.match(value)
    if not m:
        raise ValueError("not a structured-field string: %r" % value)
    return re.sub(r'\\(["\\])', r"\1", m.group(1)[1:-1])


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # an idle keep-alive connection

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.owner._handle(self)

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))


class _TLSServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def finish_request(self, request, client_address):
        # The TLS handshake runs in the connection's thread, never in accept();
        # stop() shuts down the sockets tracked here to wake their threads.
        request.settimeout(_Handler.timeout)
        socks = [request]
        self.owner._track(socks, True)
        try:
            conn = self.owner.context.wrap_socket(request, server_side=True)
            socks.append(conn)
        except OSError as e:  # ssl.SSLError included
            with self.owner._lock:
                self.owner.handshake_errors.append(repr(e))
            return
        finally:
            self.owner._track(socks, False)
        self.owner._track(socks, True)
        try:
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            self.owner._track(socks, False)
            if getattr(conn, "abort", False):
                conn.close()  # SO_LINGER 0: an RST
            else:
                _close_tls(conn)

    def handle_error(self, request, client_address):
        self.owner._error()


def _close_tls(conn):
    """close_notify without waiting for the peer's, then close."""
    try:
        conn.setblocking(False)
        conn.unwrap()
    except (OSError, ValueError):
        pass
    conn.close()


class HTTPSServer:
    def __init__(self, certs=None, authorization=None, reject_bad_keys=True):
        """certs: testca.Certs (default testca.shared_certs()); authorization:
        when set, a request whose Authorization header differs is answered 401."""
        self.certs = certs or testca.shared_certs()
        self.ca_file = self.certs.ca_file
        self.authorization = authorization
        self.reject_bad_keys = reject_bad_keys
        self.context = testca.server_context(self.certs)
        self._lock = threading.Condition()
        self._queues = collections.defaultdict(collections.deque)
        self._defaults = {}
        self._resources = {}
        self._requests = []
        self._keys = {}
        self.key_errors = []        # (raw header value, reason)
        self.errors = []            # unexpected exceptions in handlers
        self.handshake_errors = []  # failed TLS handshakes (e.g. CA not trusted)
        self._conns = {}  # id -> [raw socket, TLS socket]
        self._stopping = threading.Event()
        self._httpd = self._thread = None

    # --------------------------------------------------------- lifecycle
    def start(self):
        self._stopping.clear()
        self._httpd = _TLSServer(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self.port = self._httpd.server_address[1]
        self.url = "https://127.0.0.1:%d" % self.port
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="https-test-server", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout=5.0):
        """Stops accepting, wakes sleeping responses, closes open connections
        and waits (up to timeout) for the connection threads."""
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout)
        with self._lock:
            socks = [s for group in self._conns.values() for s in group]
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:  # the raw socket of a TLS one is detached
                pass
        deadline = time.monotonic() + timeout
        with self._lock:
            self._lock.wait_for(lambda: not self._conns, max(0, deadline - time.monotonic()))
        self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --------------------------------------------------------- scripting
    def queue(self, path, *responses):
        """Appends responses (dicts) to path's queue; each is used once."""
        with self._lock:
            self._queues[path].extend(dict(r) for r in responses)

    def set_default(self, path, response):
        """The response for path when its queue is empty."""
        with self._lock:
            self._defaults[path] = dict(response)

    def set_resource(self, path, body, etag=None, last_modified=None,
                     content_type="text/csv"):
        """A GET resource honouring If-None-Match and If-Modified-Since.
        etag: the quoted entity tag ('"v1"'); last_modified: a Unix time."""
        with self._lock:
            self._resources[path] = (body if isinstance(body, bytes) else body.encode(),
                                     etag, last_modified, content_type)

    # --------------------------------------------------------- observing
    @property
    def requests(self):
        with self._lock:
            return list(self._requests)

    def requests_for(self, path=None, method=None):
        with self._lock:
            return [r for r in self._requests if path in (None, r.path)
                    and method in (None, r.method)]

    def wait_for_requests(self, count, path=None, method=None, timeout=10.0):
        """Waits until count requests (for path / method if given) were
        recorded; returns them, or raises AssertionError at the timeout."""
        with self._lock:
            if not self._lock.wait_for(
                    lambda: len(self.requests_for(path, method)) >= count, timeout):
                raise AssertionError("%d of %d requests for %s after %.1f s" % (
                    len(self.requests_for(path, method)), count, path or "any path", timeout))
            return self.requests_for(path, method)

    def idempotency_counts(self):
        """{key: {"seen": n, "processed": n}}."""
        with self._lock:
            return {k: dict(v) for k, v in self._keys.items()}

    # --------------------------------------------------------- internals
    def _track(self, socks, add):
        with self._lock:
            if add:
                self._conns[id(socks)] = socks
            else:
                self._conns.pop(id(socks), None)
            self._lock.notify_all()

    def _error(self):
        err = sys.exc_info()[1]
        if not isinstance(err, (ConnectionError, TimeoutError, ssl.SSLError)):
            with self._lock:
                self.errors.append(repr(err))

    def _handle(self, h):
        body = h.read_body()
        path, _, query = h.path.partition("?")
        key = key_error = None
        raw_key = h.headers.get_all("Idempotency-Key")
        if raw_key is not None and h.command in ("POST", "PUT"):
            try:
                key = parse_sf_string(", ".join(raw_key))
            except ValueError as e:
                key_error = str(e)
        with self._lock:
            self._requests.append(Request(h.command, path, query, h.headers, body,
                                          time.monotonic(), key, key_error))
            if key_error:
                self.key_errors.append((", ".join(raw_key), key_error))
            if key is not None:
                self._keys.setdefault(key, {"seen": 0, "processed": 0})["seen"] += 1
            self._lock.notify_all()
            if self.authorization is not None and \
                    h.headers.get("Authorization") != self.authorization:
                resp = {"status": 401, "headers": {"WWW-Authenticate": "Bearer"}}
            elif key_error and self.reject_bad_keys:
                resp = {"status": 400, "body": key_error + "\n"}
            elif self._queues[path]:
                resp = self._queues[path].popleft()
            elif path in self._defaults:
                resp = self._defaults[path]
            elif path in self._resources and h.command in ("GET", "HEAD"):
                resp = self._resource_response(path, h.headers)
            else:
                resp = {"status": 404}
        self._respond(h, resp, key)

    def _resource_response(self, path, headers):
        body, etag, mtime, ctype = self._resources[path]
        hdrs = [("Content-Type", ctype)] + ([("ETag", etag)] if etag else []) + (
            [("Last-Modified", http_date(mtime))] if mtime is not None else [])
        inm, ims = headers.get("If-None-Match"), headers.get("If-Modified-Since")
        fresh = False
        if inm is not None:  # it takes precedence over If-Modified-Since
            tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
            fresh = etag is not None and ("*" in tags or etag.removeprefix("W/") in tags)
        elif ims is not None and mtime is not None:
            try:
                fresh = int(mtime) <= email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                pass
        return {"status": 304, "headers": hdrs} if fresh else \
            {"status": 200, "headers": hdrs, "body": body}

    def _respond(self, h, resp, key):
        if resp.get("delay") and self._stopping.wait(resp["delay"]):
            return
        if resp.get("reset"):
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.connection.abort = True
            h.close_connection = True
            return
        status = resp.get("status", 200)
        body = resp.get("body", b"")
        body = body.encode() if isinstance(body, str) else body
        size = resp["body_size"] if "body_size" in resp else len(body)
        no_body = status in (204, 304) or 100 <= status < 200
        h.send_response(status)
        if key is not None and 200 <= status < 300:
            with self._lock:
                self._keys[key]["processed"] += 1
        headers = resp.get("headers", {})
        for name, value in (headers.items() if isinstance(headers, dict) else headers):
            h.send_header(name, value)
        if not no_body:
            h.send_header("Content-Length", str(size + resp.get("truncate", 0)))
        if resp.get("truncate"):
            h.close_connection = True
        h.end_headers()
        if no_body or h.command == "HEAD":
            return
        sent, half = 0, (size // 2 if resp.get("stall_body") else None)
        for chunk in _body_chunks(body, resp.get("body_size")):
            if half is not None and sent + len(chunk) >= half:
                h.wfile.write(chunk[:half - sent])
                if self._stopping.wait(resp["stall_body"]):
                    return
                chunk, sent, half = chunk[half - sent:], half, None
            h.wfile.write(chunk)
            sent += len(chunk)


def _body_chunks(body, size, chunk=65536):
    if size is None:
        yield body
        return
    pattern = (b"synthetic-payload-0123456789\n" * 2300)[:chunk]
    while size > 0:
        yield pattern[:min(size, chunk)]
        size -= chunk
