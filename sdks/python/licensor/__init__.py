"""
Licensor SDK for Python: the app API client (every answer signed, bound to its request and fresh) and
offline verification of `.license` files and `.lcs` bundles. Behaves as the TypeScript `@licensor/sdk`.
"""

from .client import ANSWER_CODES, DEFAULT_MAX_AGE_SECONDS, Client, LicensorError, verify_answer
from .codes import normalise_coupon, normalise_key
from .echo import same_echo
from .license_file import Envelope, decode_license_file, seal_license_file
from .signature import (
    ACCEPT_TREE_SIGNATURES,
    AnswerSignature,
    SignatureHeader,
    parse_answer_signature,
    parse_signature_header,
    tree_root,
)
from .types import (
    Activation,
    Customer,
    Heartbeat,
    Payload,
    Redeemed,
    Resource,
    ResourceRef,
    Session,
    Term,
    ValidationResult,
)
from .verify import (
    REJECTION_CODES,
    ROLLBACK_TOLERANCE_MS,
    ClockGuard,
    LicenseRejected,
    Verification,
    check_license_file,
    read_bundle,
    verify_bundle,
    verify_ed25519,
    verify_license_file,
)

__version__ = "0.1.0"

__all__ = [
    "ACCEPT_TREE_SIGNATURES",
    "ANSWER_CODES",
    "DEFAULT_MAX_AGE_SECONDS",
    "REJECTION_CODES",
    "ROLLBACK_TOLERANCE_MS",
    "Activation",
    "AnswerSignature",
    "Client",
    "ClockGuard",
    "Customer",
    "Envelope",
    "Heartbeat",
    "LicenseRejected",
    "LicensorError",
    "Payload",
    "Redeemed",
    "Resource",
    "ResourceRef",
    "Session",
    "SignatureHeader",
    "Term",
    "ValidationResult",
    "Verification",
    "check_license_file",
    "decode_license_file",
    "normalise_coupon",
    "normalise_key",
    "parse_answer_signature",
    "parse_signature_header",
    "tree_root",
    "read_bundle",
    "same_echo",
    "seal_license_file",
    "verify_answer",
    "verify_bundle",
    "verify_ed25519",
    "verify_license_file",
]
