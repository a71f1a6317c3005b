"""The `Licensor-Signature` header of signed app-API answers, and its two algorithms."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Dict, NamedTuple, Optional

__all__ = [
    "ACCEPT_TREE_SIGNATURES",
    "ALG_ED25519",
    "ALG_ED25519_TREE",
    "AnswerSignature",
    "SignatureHeader",
    "parse_answer_signature",
    "parse_signature_header",
    "signed_message",
    "tree_root",
]

_FIELD = re.compile(r"(\w+)=\"([^\"]*)\"", re.ASCII)
# Used with fullmatch: Python's `$` also matches before a final newline, JavaScript's does not.
_INDEX = re.compile(r"0|[1-9][0-9]{0,5}", re.ASCII)
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}", re.ASCII)

#: Signs the exact body bytes.
ALG_ED25519 = "ed25519"
#: Signs the root of a SHA-256 tree over the answers of one server turn; the answer carries its index and path.
ALG_ED25519_TREE = "ed25519-tree"
#: The request header with which a client accepts tree signatures (the Client sends it).
ACCEPT_TREE_SIGNATURES = {"licensor-accept-signature": ALG_ED25519_TREE}

_HASH_BYTES = 32
_MAX_TREE_DEPTH = 16
_ROOT_PREFIX = b"licensor-tree/"


class SignatureHeader(NamedTuple):
    """An `alg="ed25519"` header: the signature covers the exact body bytes."""

    kid: str
    sig: str


class AnswerSignature(NamedTuple):
    """A header of either algorithm; a tree signature also has its place and path (base64, leaf upwards)."""

    kid: str
    sig: str
    alg: str = ALG_ED25519
    index: Optional[int] = None
    path: Optional[str] = None


def parse_signature_header(header: Optional[str]) -> Optional[SignatureHeader]:
    """Parses `kid="…", alg="ed25519", sig="…"`; None when missing or malformed, or a tree signature."""
    parsed = parse_answer_signature(header)
    if parsed is None or parsed.alg != ALG_ED25519:
        return None
    return SignatureHeader(kid=parsed.kid, sig=parsed.sig)


def parse_answer_signature(header: Optional[str]) -> Optional[AnswerSignature]:
    """
    Parses a header of either algorithm: `kid="…", alg="ed25519", sig="…"`, or `alg="ed25519-tree"` with
    `index="…", path="…"`; None when the header is missing or malformed.
    """
    if not header:
        return None
    fields: Dict[str, str] = {}
    for match in _FIELD.finditer(header):
        fields[match.group(1)] = match.group(2)
    kid, sig, alg = fields.get("kid"), fields.get("sig"), fields.get("alg")
    if not kid or not sig:
        return None
    if alg == ALG_ED25519:
        return AnswerSignature(kid=kid, sig=sig)
    # fullmatch: `$` would also match before a final newline ("0\n"), which the other SDKs refuse.
    if alg != ALG_ED25519_TREE or not _INDEX.fullmatch(fields.get("index", "")) or "path" not in fields:
        return None
    return AnswerSignature(kid=kid, sig=sig, alg=alg, index=int(fields["index"]), path=fields["path"])


def tree_root(body: bytes, index: int, path: str) -> Optional[bytes]:
    """
    The root an answer's body leads to by its index and path; None when the path is malformed (not base64 of
    whole 32-byte hashes, deeper than 16, or the index outside its tree).
    """
    if len(path) % 4 != 0 or not _BASE64.fullmatch(path):
        return None
    try:
        siblings = base64.b64decode(path, validate=True)
    except ValueError:
        return None
    depth, rest = divmod(len(siblings), _HASH_BYTES)
    if rest or depth > _MAX_TREE_DEPTH or not 0 <= index < 2**depth:
        return None
    node = hashlib.sha256(b"\x00" + body).digest()
    for level in range(depth):
        sibling = siblings[level * _HASH_BYTES : (level + 1) * _HASH_BYTES]
        pair = sibling + node if (index >> level) & 1 else node + sibling
        node = hashlib.sha256(b"\x01" + pair).digest()
    return node


def signed_message(signature: AnswerSignature, body: bytes) -> Optional[bytes]:
    """What the signature must cover for this body: the body itself, or its tree's root under its prefix."""
    if signature.alg == ALG_ED25519:
        return body
    root = tree_root(body, signature.index or 0, signature.path or "")
    return None if root is None else _ROOT_PREFIX + root
