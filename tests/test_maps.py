"""Map helpers on real geometry: display rounding must cope with every English ward boundary."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from data_access import reference
from etl.build import DISPLAY_TOLERANCE_M
from render import maps


def test_display_precision_rounds_every_english_ward_without_failing(shared_data):
    # The topology-preserving rounding raised a GEOS TopologyException on one 2013 ward; display rounding is
    # point by point. The wards are prepared as the ETL prepares them (20 m simplification, then WGS84).
    path = shared_data / "national" / "england_wards_2013.geojson.gz"
    wards = gpd.read_file(f"/vsigzip/{path}").to_crs("EPSG:27700")
    shown = wards.geometry.make_valid().simplify(DISPLAY_TOLERANCE_M, preserve_topology=True).to_crs("EPSG:4326")
    rounded = reference.display_precision(shown.to_numpy())
    assert len(rounded) == 7681 and not shapely.is_empty(rounded).any()
    coords = shapely.get_coordinates(rounded)
    assert np.allclose(coords, np.round(coords, 5), atol=1e-9)  # on the 0.00001° grid
    assert np.abs(shapely.get_coordinates(shown.to_numpy()).mean(axis=0) - coords.mean(axis=0)).max() < 1e-4


def test_features_equal_geopandas_geo_dict():
    """maps._features builds GeoJSON directly (faster); it must say exactly what GeoDataFrame.to_geo_dict says."""
    import json

    import pandas as pd

    frame = gpd.GeoDataFrame({
        "ward_code": ["A", "B", "C"], "value": [1.5, np.nan, 3.0], "count": pd.array([4, None, 6], dtype="Int64"),
        "label": ["x", None, "z"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.MultiPolygon([shapely.box(2, 2, 3, 3), shapely.box(4, 4, 5, 5)]),
                  shapely.Point(0.5, 0.5)], crs="EPSG:4326")
    ours = maps._features(frame)
    theirs = frame.to_geo_dict(drop_id=True)
    assert json.loads(json.dumps(ours)) == json.loads(json.dumps(theirs))


def test_element_templates_render_as_jinja_would():
    """render.maps replaces branca's per-element template compile: verbatim text passes through, the rest compiles once;
    either way the element renders exactly as jinja renders it."""
    import branca.element
    import folium
    import jinja2

    assert branca.element.Template is maps._element_template
    for source in ["<b>{{ 1 + 1 }}</b>", "plain\n", "plain\n\n", "no newline", "", "\n", "js { a: {b: 1} }\n",
                   "{% if true %}yes{% endif %}\n", "{# note #}x", "windows\r\nline\r\n"]:
        assert folium.Element(source).render() == jinja2.Template(source).render(), repr(source)
    assert folium.Element("<b>{{ 2 }}</b>")._template is folium.Element("<b>{{ 2 }}</b>")._template
    verbatim = folium.Element("var x = 1;")._template
    assert verbatim.module is not None  # anything but render() goes to a real template
    fmap = maps.choropleth(gpd.GeoDataFrame({"ward_code": ["A"], "v": [1.0]}, geometry=[shapely.box(0, 51, 1, 52)],
                                            crs="EPSG:4326"), "v", "V", {"ward_code": "Ward"})
    html = fmap.get_root().render()
    assert "L.map(" in html and "wardscope-legend" in html


def test_layers_report_the_bounds_folium_would_find():
    import folium

    frame = gpd.GeoDataFrame({"ward_code": ["A", "B"], "v": [1.0, 2.0]},
                             geometry=[shapely.box(0.1, 51.2, 0.3, 51.4), shapely.box(0.3, 51.3, 0.6, 51.5)],
                             crs="EPSG:4326")
    ours = maps.choropleth(frame, "v", "V", {"ward_code": "Ward"}).get_bounds()
    plain = folium.Map()
    folium.GeoJson(frame.to_geo_dict(drop_id=True)).add_to(plain)
    assert np.allclose(ours, plain.get_bounds())
    assert np.allclose(ours, [[51.2, 0.1], [51.5, 0.6]])


def test_an_empty_layer_has_folium_s_empty_bounds():
    import folium

    empty = gpd.GeoDataFrame({"ward_code": [], "name": []}, geometry=[], crs="EPSG:4326")
    assert maps._layer(empty).get_bounds() == folium.GeoJson({"type": "FeatureCollection", "features": []}
                                                            ).get_bounds()


def test_a_hostile_name_is_text_in_every_tooltip():
    """Issue 12: a ward or asset name from a file is data, never markup (folium tooltips insert values as HTML)."""
    import geopandas as gpd
    from shapely.geometry import Point, box

    hostile = '<img src=x onerror="alert(1)">'
    wards = gpd.GeoDataFrame({"ward_code": ["W1"], "ward_name": [hostile], "value": [1.0]},
                             geometry=[box(-0.01, 51.0, 0.0, 51.01)], crs="EPSG:4326")
    points = gpd.GeoDataFrame({"name": [hostile], "category": ["faith"]}, geometry=[Point(-0.005, 51.005)],
                              crs="EPSG:4326")
    built = [maps.choropleth(wards, "value", "Value", {"ward_name": "Ward"}),
             maps.category_map(wards.assign(kind=["a"]), "kind", "Kind", {"ward_name": "Ward"}),
             maps.points_map(wards, points, "category", {"name": "Name"})]
    for fmap in built:
        page = fmap.get_root().render()
        assert "<img src=x" not in page  # the name is in the GeoJSON as &lt;img… (JSON writes & as \u0026)
        assert "&lt;img src=x onerror" in page.replace("\\u0026", "&")
