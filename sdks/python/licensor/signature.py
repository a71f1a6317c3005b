"""The `Licensor-Signature` header of signed app-API answers."""

from __future__ import annotations

import re
from typing import Dict, NamedTuple, Optional

__all__ = ["SignatureHeader", "parse_signature_header"]

_FIELD = re.compile(r"(\w+)=\"([^\"]*)\"", re.ASCII)


class SignatureHeader(NamedTuple):
    kid: str
    sig: str


def parse_signature_header(header: Optional[str]) -> Optional[SignatureHeader]:
    """Parses `kid="…", alg="ed25519", sig="…"`; None when the header is missing or malformed."""
    if not header:
        return None
    fields: Dict[str, str] = {}
    for match in _FIELD.finditer(header):
        fields[match.group(1)] = match.group(2)
    if fields.get("alg") != "ed25519" or not fields.get("kid") or not fields.get("sig"):
        return None
    return SignatureHeader(kid=fields["kid"], sig=fields["sig"])
