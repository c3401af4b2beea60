"""HTTPS deliveries: the connection goes to the checked address while TLS keeps the hook's name
(SNI and the certificate check), so the defence against DNS rebinding does not weaken TLS."""

from __future__ import annotations

import datetime as dt
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.config import WebhookSettings
from app.webhooks import sender, service
from app.webhooks.tables import WebhookDelivery
from tests import factories
from tests.webhooks.conftest import start_receiver, stop_receiver, verify

ALLOW = WebhookSettings(allow_private_hosts=True, timeout_seconds=5)


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


def _pki(tmp_path, host: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(the server's context with a certificate for `host`, a client context trusting only our CA)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("Test CA")).issuer_name(_name("Test CA"))
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(now - dt.timedelta(hours=1))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(_name(host)).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(2).not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "leaf.pem", tmp_path / "leaf.key"
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cadata=ca.public_bytes(serialization.Encoding.PEM).decode())
    return server, client


@pytest.mark.parametrize(("certificate_for", "delivered"), [("localhost", True), ("elsewhere.test", False)])
async def test_https_connects_to_the_checked_address_with_the_hooks_name(database, tmp_path, hook_form,
                                                                           certificate_for, delivered):
    server_tls, client_tls = _pki(tmp_path, certificate_for)
    r, loop, thread = start_receiver(server_tls)
    try:
        workspace, admin = await factories.workspace()
        _hook, secret = await service.register(await factories.viewer(admin), hook_form(
            f"https://localhost:{r.port}/hook", events=("ticket.created",)), ALLOW)
        await factories.ticket(workspace)
        await sender.WebhookSender(ALLOW, verify=client_tls).run_once()
    finally:
        stop_receiver(r, loop, thread)
    [row] = await WebhookDelivery.select()
    if delivered:  # the certificate was checked against "localhost", reached through 127.0.0.1
        assert row["status"] == "sent" and len(r.requests) == 1
        assert r.requests[0].headers["host"] == f"localhost:{r.port}"
        assert verify(secret, r.requests[0].headers["x-helprealm-signature"], r.requests[0].body)
    else:  # a certificate for another name is refused, although the address is the same
        assert row["status"] == "pending" and r.requests == [] and "CERTIFICATE_VERIFY_FAILED" in row["last_error"]
