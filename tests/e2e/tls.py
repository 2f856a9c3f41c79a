"""HTTPS for the browser tests, as the site is served on Heroku.

Heroku's router ends TLS, so the browser sees an https origin: cookies marked
Secure are sent, and the Origin header of a form post matches the scheme Django
reads from X-Forwarded-Proto (CSRF). Here gunicorn itself serves TLS with a
certificate made for 127.0.0.1 for the test run, and Chromium trusts that one
certificate by its public key (`--ignore-certificate-errors-spki-list`): no
certificate error, so the page is a secure context and caching works as it does
for a real certificate (Chromium does not cache pages it warned about).
"""

import base64
import datetime
import hashlib
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Certificate:
    certfile: Path
    keyfile: Path
    spki_sha256: str  # base64 SHA-256 of the public key, as Chromium's flag wants it

    def gunicorn_args(self) -> str:
        """GUNICORN_CMD_ARGS: gunicorn reads it besides the Procfile's own options."""
        return f"--certfile={self.certfile} --keyfile={self.keyfile}"

    def client_context(self) -> ssl.SSLContext:
        """An SSL context for Python clients that trusts this certificate only."""
        return ssl.create_default_context(cafile=str(self.certfile))


def make_certificate(folder: Path, host: str = "127.0.0.1") -> Certificate:
    """A self-signed certificate for `host`, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    certfile.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return Certificate(certfile, keyfile, base64.b64encode(hashlib.sha256(spki).digest()).decode())
