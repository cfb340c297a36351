"""OS National Grid references as registers write them: "SK 52000 88000", "SK5288", "TQ3080" or "452000,288000".

A lettered reference names a 100 km square (two letters) and a point in it to 1 m ("SK 52000 88000", 5 + 5
digits) or coarser (4 + 4 digits: 10 m; 3 + 3: 100 m); a coarser one is read as the south-west corner of its
square, as the Ordnance Survey defines it. Two plain numbers are an easting and a northing in metres.
"""

from __future__ import annotations

import math
import re

_LETTERED = re.compile(r"^([A-HJ-Z])([A-HJ-Z])\s*(\d+)\s*(\d*)$")
_NUMBERS = re.compile(r"^(-?\d+(?:\.\d+)?)\s*[,; ]\s*(-?\d+(?:\.\d+)?)$")


def _square(first: str, second: str) -> tuple[int, int] | None:
    """(easting, northing) of a 100 km square's south-west corner, in 100 km, or None outside the grid."""
    a, b = ord(first) - ord("A"), ord(second) - ord("A")
    a -= a > 7  # the grid's letters skip I
    b -= b > 7
    east = ((a - 2) % 5) * 5 + b % 5
    north = (19 - (a // 5) * 5) - b // 5
    return (east, north) if 0 <= east < 7 and 0 <= north < 13 else None


def parse_grid_reference(text: object) -> tuple[float, float] | None:
    """(easting, northing) in metres (EPSG:27700) of an OS grid reference, or None when it is not one."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    value = re.sub(r"\s+", " ", str(text).strip().upper())
    plain = _NUMBERS.match(value)
    if plain:
        east, north = float(plain.group(1)), float(plain.group(2))
        return (east, north) if math.isfinite(east) and math.isfinite(north) else None
    lettered = _LETTERED.match(value)
    if not lettered:
        return None
    digits = lettered.group(3) + lettered.group(4)
    if len(digits) % 2 or not 2 <= len(digits) <= 10 or (lettered.group(4)
                                                          and len(lettered.group(3)) != len(lettered.group(4))):
        return None
    square = _square(lettered.group(1), lettered.group(2))
    if square is None:
        return None
    half = len(digits) // 2
    scale = 10 ** (5 - half)
    return (square[0] * 100_000 + int(digits[:half]) * scale, square[1] * 100_000 + int(digits[half:]) * scale)
