"""What a signed app-API answer repeats of its request (DESIGN §4), built as the server builds it."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

from ._js import UNDEFINED, js_strict_equal
from .codes import normalise_coupon, normalise_key

__all__ = ["validate_echo", "use_echo", "heartbeat_echo", "redeem_echo", "echo_for", "same_echo", "CALLS"]

#: The calls whose answers are signed and echoed.
CALLS = ("validate", "activate", "session", "heartbeat", "redeem")


def _field(request: Mapping[str, Any], name: str) -> Any:
    return request.get(name, UNDEFINED)


def _nullish(value: Any, default: Any) -> Any:
    """JavaScript's `value ?? default`."""
    return default if value is None or value is UNDEFINED else value


def _resource(resource: Any) -> Dict[str, Any]:
    if isinstance(resource, Mapping):
        return {"kind": resource.get("kind", UNDEFINED), "id": resource.get("id", UNDEFINED)}
    return {"kind": UNDEFINED, "id": UNDEFINED}


def _truthy(value: Any) -> bool:
    """JavaScript truthiness of a JSON value (every object and array is truthy)."""
    if isinstance(value, (dict, list)):
        return True
    return bool(value) and value is not UNDEFINED


def validate_echo(request: Mapping[str, Any]) -> Dict[str, Any]:
    return {
        "key": normalise_key(request["key"]),
        "product": _field(request, "product"),
        "resource": _resource(request["resource"]) if _truthy(_field(request, "resource")) else None,
        "fingerprint": _nullish(_field(request, "fingerprint"), None),
        "capabilities": list(_nullish(_field(request, "capabilities"), [])),
        "nonce": _nullish(_field(request, "nonce"), None),
    }


def use_echo(request: Mapping[str, Any]) -> Dict[str, Any]:
    """Activation, deactivation and session check-out: the key, the product and the resource."""
    return {
        "key": normalise_key(request["key"]),
        "product": _field(request, "product"),
        "resource": _resource(_field(request, "resource")),
        "nonce": _nullish(_field(request, "nonce"), None),
    }


def heartbeat_echo(session: str, nonce: Optional[str] = None) -> Dict[str, Any]:
    return {"session": session, "nonce": _nullish(nonce, None)}


def redeem_echo(request: Mapping[str, Any]) -> Dict[str, Any]:
    return {
        "key": normalise_key(request["key"]),
        "coupon": normalise_coupon(request["coupon"]),
        "nonce": _nullish(_field(request, "nonce"), None),
    }


def echo_for(call: str, sent: Mapping[str, Any], session_id: Optional[str] = None) -> Dict[str, Any]:
    """The echo expected for a call (`validate`, `activate`, `session`, `heartbeat`, `redeem`) and its body."""
    if call == "validate":
        return validate_echo(sent)
    if call in ("activate", "session"):
        return use_echo(sent)
    if call == "heartbeat":
        if session_id is None:
            raise TypeError("a heartbeat echo needs the session id")
        return heartbeat_echo(session_id, _field(sent, "nonce"))
    if call == "redeem":
        return redeem_echo(sent)
    raise ValueError(f"unknown call {call!r}")


def same_echo(a: Any, b: Any) -> bool:
    """Structural equality of two JSON values, key order aside (the TypeScript SDK's `sameEcho`)."""
    if js_strict_equal(a, b):
        return True
    if not isinstance(a, (dict, list)) or not isinstance(b, (dict, list)):
        return False
    if isinstance(a, list) != isinstance(b, list):
        return False
    if isinstance(a, list):
        assert isinstance(b, list)
        return len(a) == len(b) and all(same_echo(x, y) for x, y in zip(a, b))
    assert isinstance(b, dict)
    return len(a) == len(b) and all(same_echo(value, b.get(key, UNDEFINED)) for key, value in a.items())
