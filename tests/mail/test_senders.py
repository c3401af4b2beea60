"""Whether a receiving server we trust vouches for an agent's address (RFC 8601 headers)."""

from __future__ import annotations

import pytest

from app.mail.senders import vouched

TRUSTED = ("mx.acme.test",)


@pytest.mark.parametrize("header", [
    "mx.acme.test; dkim=pass header.d=acme.test header.s=s1",
    "mx.acme.test 1; spf=pass smtp.mailfrom=acme.test; dkim=pass (2048-bit key) header.i=@acme.test",
    "MX.ACME.TEST; dmarc=pass (p=reject dis=none) header.from=acme.test",
    "mx.acme.test;\n dkim=fail header.d=other.test;\n dkim=pass header.d=acme.test",
])
def test_a_pass_for_the_agents_domain_from_a_trusted_server_vouches(header):
    assert vouched(header, "ann@acme.test", TRUSTED)


@pytest.mark.parametrize("header", [
    "",
    "mx.evil.test; dkim=pass header.d=acme.test",  # not a server we trust
    "mx.acme.test; dkim=pass header.d=evil.test",  # signed, but by another domain
    "mx.acme.test; dkim=fail header.d=acme.test; spf=pass smtp.mailfrom=acme.test",  # SPF alone is not enough
    "mx.acme.test; dmarc=fail header.from=acme.test",
    "mx.acme.test; dkim=pass header.d=acme.test.evil.test",
    "mx.acme.test (dkim=pass header.d=acme.test); none",  # a comment is not a result
    "evil; mx.acme.test; dkim=pass header.d=acme.test",  # the authserv-id is the first field
])
def test_anything_else_does_not(header):
    assert not vouched(header, "ann@acme.test", TRUSTED)


def test_without_trusted_servers_nobody_is_vouched_for():
    assert not vouched("mx.acme.test; dkim=pass header.d=acme.test", "ann@acme.test", ())
