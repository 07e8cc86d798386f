"""A throw-away certificate authority for the test servers (openssl CLI).

make_certs(folder) writes, in that folder, a test CA (EC P-256 key and
self-signed certificate) and a server key and certificate for 127.0.0.1 and
localhost (subjectAltName IP and DNS), signed by the CA, and returns their
paths as Certs(ca_file, cert_file, key_file); issue(folder, stem, san) signs
another server certificate with that CA, for the names san gives. A test
hands ca_file to the hub (its CA bundle) and the servers use cert_file and
key_file:

    certs = testca.make_certs(tmp)
    ctx = testca.client_context(certs.ca_file)   # trusts only the test CA

shared_certs() makes one set per process, in a temporary folder removed at
exit; the servers use it when given no certs, so that one CA file serves a
test that runs both the HTTPS and the SMTP server.
"""

import atexit
import collections
import os
import shutil
import ssl
import subprocess
import tempfile
import threading

Certs = collections.namedtuple("Certs", "ca_file cert_file key_file")

DAYS = "2"
_EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]

_SERVER_EXT = """\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = %s
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""


def _openssl(*args):
    r = subprocess.run(["openssl"] + list(args), stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=30)
    if r.returncode != 0:
        raise RuntimeError("openssl %s failed (%d): %s" % (
            args[0], r.returncode, r.stderr.decode("utf-8", "replace").strip()))


def make_certs(folder):
    """Writes ca.pem, ca.key, server.pem, server.key (and the CSR and the
    extensions file) in folder; returns Certs(ca_file, cert_file, key_file)."""
    os.makedirs(folder, exist_ok=True)
    p = lambda name: os.path.join(folder, name)  # noqa: E731
    _openssl("req", "-x509", *_EC, "-keyout", p("ca.key"), "-out", p("ca.pem"),
             "-days", DAYS, "-subj", "/CN=dahub test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    cert_file, key_file = issue(folder, "server")
    return Certs(p("ca.pem"), cert_file, key_file)


def issue(folder, stem, san="IP:127.0.0.1, DNS:localhost"):
    """A server key and certificate for san (subjectAltName), signed by the
    CA make_certs wrote in folder: <stem>.pem and <stem>.key there (and the
    CSR and the extensions file); returns (cert_file, key_file)."""
    p = lambda name: os.path.join(folder, name)  # noqa: E731
    _openssl("req", "-new", *_EC, "-keyout", p(stem + ".key"), "-out", p(stem + ".csr"),
             "-subj", "/CN=localhost")
    with open(p(stem + ".ext"), "w") as f:
        f.write(_SERVER_EXT % san)
    _openssl("x509", "-req", "-in", p(stem + ".csr"), "-CA", p("ca.pem"),
             "-CAkey", p("ca.key"), "-set_serial", "0x" + os.urandom(8).hex(),
             "-days", DAYS, "-extfile", p(stem + ".ext"), "-out", p(stem + ".pem"))
    return p(stem + ".pem"), p(stem + ".key")


_shared = None
_shared_lock = threading.Lock()


def shared_certs():
    """One Certs per process, made on first use and removed at exit."""
    global _shared
    with _shared_lock:
        if _shared is None:
            folder = tempfile.mkdtemp(prefix="dahub-testca-")
            atexit.register(shutil.rmtree, folder, True)
            _shared = make_certs(folder)
        return _shared


def server_context(certs):
    """A TLS 1.2+ server context with certs' server key and certificate."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(certs.cert_file, certs.key_file)
    return ctx


def client_context(ca_file):
    """A client context that trusts ca_file only (hostname checked)."""
    ctx = ssl.create_default_context(cafile=ca_file)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx
