"""Fixed facts about the fictional borough, and the two rules every generated file follows.

The facts (codes, names, where it lies on the British National Grid) are invented so that
nothing can be mistaken for a real place: LAD E06999999, the postcode area "DM".
The rules are the generator's determinism (see the package docstring): one seeded random
stream per component (`rng_for`) and CSVs written with fixed line endings (`write_csv`).
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pandas as pd

COUNCIL_NAME = "Demoborough (synthetic)"
LAD_NAME = "Demoborough"  # what ONS/MHCLG tables would print in their LA name columns
LAD_CODE = "E06999999"
REGION_NAME = "West Midlands"
REGION_CODE = "E12000005"
COUNTRY_CODE = "E92000001"
BNG = "EPSG:27700"
CENTRE = (452_000.0, 288_000.0)  # easting, northing of the borough's middle
HALF_WIDTH, HALF_HEIGHT = 6_000.0, 4_500.0  # ~12 km x 9 km
N_OA = 600
LINE = "\n"

WARD_NAMES = [
    "Ashby North", "Ashby South", "Brookfield", "Castle Green", "Dunmore", "Elmstead",
    "Fairholme", "Greystone", "Hadley Cross", "Hollins Park", "Kingsmead", "Larkhill",
    "Marston Vale", "Millbrook", "Northgate", "Oakwood", "Priory", "Queensway",
    "Redhill", "St Anne's", "Sandford", "Southgate", "Thornbury Heath", "Upton Meadows",
    "Victoria", "Westfield", "Whitmore", "Willow Bank", "Woodside", "Yewtree", "Abbey",
    "Bramley", "Church End", "Eastbrook", "Foxley", "Goldthorn", "Harwood", "Lowfield",
    "Moorside", "Netherton", "Orchard", "Parkfield", "Riverside", "Stonebridge",
    "Tollgate", "Wharfside",
]
TOWN_CENTRE_WARD = "Town Centre"


def rng_for(seed: int, stream: str) -> np.random.Generator:
    """One independent, reproducible generator per component.

    Seeding each component from (seed, stream name) rather than sharing one generator
    means that changing how, say, assets are drawn does not reshuffle every postcode,
    so diffs between generator versions stay local.
    """
    return np.random.default_rng([int(seed), zlib.crc32(stream.encode())])


def write_csv(df: pd.DataFrame, path: Path, lineterminator: str = LINE, **kwargs: object) -> None:
    """A CSV with fixed line endings, so the same seed gives byte-identical files."""
    df.to_csv(path, index=False, lineterminator=lineterminator, **kwargs)
