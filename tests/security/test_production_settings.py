"""Production settings come from the environment, `check --deploy` is clean with
production-like variables, the server refuses a missing or committed SECRET_KEY,
and every page carries a Content-Security-Policy that allows no inline script.

The settings module is read once per process, so each configuration is checked
in a child `manage.py` process with its own environment."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "HTTPS": "1",
    "ALLOWED_HOSTS": "caseflow.soson.hanoi.gov.vn",
    "CSRF_TRUSTED_ORIGINS": "https://caseflow.soson.hanoi.gov.vn",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is no deployment's (async.E001).
        if k not in {"SECRET_KEY", "DEBUG", "HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        and not k.startswith(("SECURE_", "CSRF_"))
    }
    base["DATABASE_URL"] = settings.DATABASE_URL
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def a_secret() -> str:
    return secrets.token_urlsafe(64)


def test_check_deploy_is_clean_with_production_like_environment_variables() -> None:
    run = manage(
        "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV, SECRET_KEY=a_secret()
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "no issues" in run.stdout + run.stderr


def test_check_deploy_without_https_variables_names_what_is_missing() -> None:
    """The same check fails loudly when the HTTPS variables are left out."""
    run = manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="0", SECRET_KEY=a_secret())
    assert run.returncode != 0
    found = set(re.findall(r"security\.W\d+", run.stdout + run.stderr))
    assert {"security.W004", "security.W008", "security.W012", "security.W016"} <= found


@pytest.mark.parametrize(
    "secret",
    ["", settings.DEVELOPMENT_SECRET_KEY, "too-short"],
    ids=["missing", "committed-development-key", "too-short"],
)
def test_server_refuses_to_start_with_debug_off_and_no_real_secret_key(secret: str) -> None:
    run = manage("check", DEBUG="0", SECRET_KEY=secret, SECRET_KEY_FILE="/nonexistent/secret_key")
    assert run.returncode != 0
    assert "ImproperlyConfigured" in run.stderr and "SECRET_KEY" in run.stderr


def test_the_development_key_is_allowed_only_with_debug_on() -> None:
    run = manage("check", DEBUG="1", SECRET_KEY_FILE="/nonexistent/secret_key")
    assert run.returncode == 0, run.stderr


def test_every_security_setting_and_the_key_file_come_from_the_environment(
    tmp_path: Path,
) -> None:
    key_file = tmp_path / "secret_key"
    key_file.write_text(a_secret() + "\n")
    code = (
        "from django.conf import settings as s; print(len(s.SECRET_KEY), s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER, s.ALLOWED_HOSTS, s.CSRF_TRUSTED_ORIGINS)"
    )
    run = manage(
        "shell",
        "-c",
        code,
        DEBUG="0",
        SECRET_KEY_FILE=str(key_file),  # no SECRET_KEY: the checkout's key file is read
        SECURE_SSL_REDIRECT="1",
        SECURE_HSTS_SECONDS="600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="0",
        SESSION_COOKIE_SECURE="1",
        CSRF_COOKIE_SECURE="true",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
        ALLOWED_HOSTS="a.example.vn, b.example.vn",
        CSRF_TRUSTED_ORIGINS="https://a.example.vn",
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == (
        f"{len(key_file.read_text().strip())} True 600 False True True "
        "('HTTP_X_FORWARDED_PROTO', 'https') ['a.example.vn', 'b.example.vn'] "
        "['https://a.example.vn']"
    )


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_script(client: Any) -> None:
    response = client.get("/login/")
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_static_files_are_served_without_debug_or_runserver_insecure(client: Any) -> None:
    """whitenoise serves the stylesheet and the script the pages load."""
    for path in ("/static/css/app.css", "/static/js/app.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"".join(response.streaming_content)


TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("cases/**/templates")]
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"\sstyle\s*=", re.I), "inline style attribute"),
    (re.compile(r"<style\b", re.I), "inline <style>"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_has_inline_script_handler_or_style() -> None:
    """The policy forbids them, so a template that had one would break in the browser."""
    found = []
    for folder in TEMPLATE_DIRS:
        for template in folder.rglob("*.html"):
            text = template.read_text(encoding="utf-8")
            for pattern, what in INLINE:
                for match in pattern.finditer(text):
                    found.append(f"{template.relative_to(ROOT)}: {what}: {match.group(0)}")
    assert found == []
