"""The SIP over TLS certificate: self-signed, made with openssl on first start into
``var/tls/`` (never committed). Replace both files with real ones to use your own."""

from __future__ import annotations

import ipaddress
import os
import subprocess
from pathlib import Path

from launcher.settings import Settings

VALID_DAYS = 3650


def certificate_path(s: Settings) -> Path:
    return s.var_dir / "tls" / "sip-cert.pem"


def private_key_path(s: Settings) -> Path:
    return s.var_dir / "tls" / "sip-key.pem"


def subject_alt_name(host: str) -> str:
    """``IP:127.0.0.1`` for an address, ``DNS:name`` otherwise (what clients check)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return f"DNS:{host}"
    return f"IP:{host}"


def ensure_certificate(s: Settings) -> tuple[Path, Path]:
    """The certificate and key Kamailio's tls module loads; made once if either is missing."""
    cert, key = certificate_path(s), private_key_path(s)
    if cert.is_file() and key.is_file():
        return cert, key
    cert.parent.mkdir(parents=True, exist_ok=True)
    cert.parent.chmod(0o700)
    # P-256 key: generated in milliseconds, accepted by every current TLS stack.
    result = subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            str(VALID_DAYS),
            "-subj",
            "/CN=switchboard",
            "-addext",
            f"subjectAltName={subject_alt_name(s.sip_host)}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        for path in (cert, key):  # never leave half a pair behind
            path.unlink(missing_ok=True)
        raise RuntimeError(f"openssl could not make the TLS certificate: {result.stderr[-500:]}")
    os.chmod(key, 0o600)
    return cert, key
