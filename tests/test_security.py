"""Safe redirects and the security headers policy."""

from __future__ import annotations

import pytest

from nrhub.security import CONTENT_SECURITY_POLICY, is_safe_next


@pytest.mark.parametrize("target", ["/", "/compte", "/catalogue?categorie=laptop&page=2", "/a/b#c"])
def test_relative_paths_are_safe(target):
    assert is_safe_next(target)


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "//evil.example",
        "//evil.example/compte",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example",
        "http://evil.example",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,x",
        "evil.example",
        "/\tevil.example",
        "/\r\nSet-Cookie: x",
        "/path\\..\\evil",
    ],
)
def test_other_targets_are_unsafe(target):
    assert not is_safe_next(target)


def test_content_security_policy_forbids_inline_code_and_framing():
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "object-src 'none'" in CONTENT_SECURITY_POLICY
