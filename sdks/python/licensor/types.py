"""The JSON shapes the SDK returns (TypedDicts: plain dicts at run time)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, TypedDict

__all__ = [
    "Customer",
    "Term",
    "Payload",
    "ResourceRef",
    "Resource",
    "ValidationLicense",
    "ValidationResult",
    "Activation",
    "Session",
    "Heartbeat",
    "Redeemed",
]


class Customer(TypedDict):
    id: str
    name: str


class Term(TypedDict):
    unit: str
    count: int


class _PayloadFields(TypedDict):

    v: int
    id: str
    vendor: str
    customer: Customer
    product: str
    type: str
    scope: str
    mode: str
    resourceKind: Optional[str]
    capabilities: List[str]
    seats: Optional[int]
    startsAt: str
    expiresAt: Optional[str]
    installationId: str
    issuedAt: str


class Payload(_PayloadFields, total=False):
    """What a license file grants (DESIGN §5); `term`, `tenant` and `fileExpiresAt` may be absent."""

    term: Optional[Term]
    tenant: str
    fileExpiresAt: str


class ResourceRef(TypedDict):
    kind: str
    id: str


class Resource(ResourceRef, total=False):
    """A resource to activate or open a session for: `name` and `metadata` are optional."""

    name: str
    metadata: Dict[str, Any]


class ValidationLicense(TypedDict):
    id: str
    product: str
    status: str
    expiresAt: Optional[str]
    capabilities: List[str]


class _ValidationFields(TypedDict):
    valid: bool
    code: str
    detail: str
    ts: str
    capabilities: List[str]
    expiresAt: Optional[str]
    licenses: List[ValidationLicense]
    request: Dict[str, Any]


class ValidationResult(_ValidationFields, total=False):
    nonce: str
    key: Dict[str, Any]


class ActivationResource(TypedDict):
    kind: str
    id: str
    name: Optional[str]


class Activation(TypedDict):
    id: str
    licenseId: str
    product: str
    resource: ActivationResource
    createdAt: str
    ts: str
    request: Dict[str, Any]


class Session(TypedDict):
    id: str
    expiresAt: str
    ts: str
    request: Dict[str, Any]


class Heartbeat(TypedDict):
    expiresAt: str
    ts: str
    request: Dict[str, Any]


class RedeemedLicense(TypedDict):
    id: str
    product: str
    status: str
    expiresAt: Optional[str]


class Redeemed(TypedDict):
    redemptionId: str
    keyId: str
    licenses: List[RedeemedLicense]
    ts: str
    request: Dict[str, Any]
