"""Deterministic identifiers for the ECS simulation.

Every id derives from the scenario seed, a kind and a per-kind counter of the
``SimContext`` (``next_number``), so a reset with the same seed repeats a run byte for
byte. The shapes follow what ECS returns: ``ecs-svc/<19 digits>`` deployment ids
(AWS-SEMANTICS 6.4), 19-digit service revision ids, 32-hex task ids, UUID event ids.
"""

from __future__ import annotations

import hashlib

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _digest(seed: int, kind: str, number: int) -> int:
    text = f"{seed}/{kind}/{number}".encode()
    return int.from_bytes(hashlib.sha256(text).digest(), "big")


def digits19(seed: int, kind: str, number: int) -> str:
    """19 decimal digits, never starting with 0 (like ``ecs-svc/4980306466373577095``)."""
    return str(10**18 + _digest(seed, kind, number) % (9 * 10**18))


def hex32(seed: int, kind: str, number: int) -> str:
    """32 lower-case hex digits, the shape of an ECS task id."""
    return f"{_digest(seed, kind, number) % 16**32:032x}"


def uuid_like(seed: int, kind: str, number: int) -> str:
    h = hex32(seed, kind, number)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def token(seed: int, kind: str, number: int, length: int = 21) -> str:
    """Alphanumeric token, the shape of a service deployment id."""
    value = _digest(seed, kind, number)
    chars = []
    for _ in range(length):
        value, rem = divmod(value, len(_ALPHABET))
        chars.append(_ALPHABET[rem])
    return "".join(chars)
