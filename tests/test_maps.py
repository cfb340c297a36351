"""Map helpers on real geometry: display rounding must cope with every English ward boundary."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from etl.build import DISPLAY_TOLERANCE_M
from geo import maps


def test_display_precision_rounds_every_english_ward_without_failing(shared_data):
    # The topology-preserving rounding raised a GEOS TopologyException on one 2013 ward; display rounding is
    # point by point. The wards are prepared as the ETL prepares them (20 m simplification, then WGS84).
    path = shared_data / "national" / "england_wards_2013.geojson.gz"
    wards = gpd.read_file(f"/vsigzip/{path}").to_crs("EPSG:27700")
    shown = wards.geometry.make_valid().simplify(DISPLAY_TOLERANCE_M, preserve_topology=True).to_crs("EPSG:4326")
    rounded = maps.display_precision(shown.to_numpy())
    assert len(rounded) == 7681 and not shapely.is_empty(rounded).any()
    coords = shapely.get_coordinates(rounded)
    assert np.allclose(coords, np.round(coords, 5), atol=1e-9)  # on the 0.00001° grid
    assert np.abs(shapely.get_coordinates(shown.to_numpy()).mean(axis=0) - coords.mean(axis=0)).max() < 1e-4
