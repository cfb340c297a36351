"""Cold spots and spatial outliers of participation, by Local Moran's I (Anselin 1995) via esda.

Input is the Empirical Bayes smoothed rate per 1,000 residents (Marshall 1991; see
geo.participation.eb_rates), so a small ward's chance extreme does not make a cluster. Wards
are neighbours when they share a boundary point (Queen contiguity, libpysal) on the
full-resolution EPSG:27700 geometry, never the simplified display geometry; weights are
row-standardised. Significance is by conditional permutation (esda's `p_sim`, 999
permutations, a fixed seed so the map is reproducible). The pseudo p-values are per ward and
not corrected for the number of wards; the page says so.

Quadrants (esda's `q`): 1 high among high (hot spot), 2 low among high, 3 low among low
(cold spot), 4 high among low. 1 and 3 are clusters (a ward like its neighbours); 2 and 4 are
spatial outliers (a ward unlike its neighbours: "low among high" is a low ward whose neighbours
take part well, which a search for cold clusters alone would miss). A ward is labelled only when
p_sim < alpha. Local Moran compares a ward with its neighbours, not with the borough: a low ward
among ordinary neighbours may be neither, which is what the funnel plot (geo.funnel) is for.
The output is a classification, not a count of people: it reveals no count below the
disclosure threshold (rates themselves stay hidden where geo.disclosure hides them).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

QUADRANTS = {1: "Hot spot (high among high)", 2: "Spatial outlier: low among high",
             3: "Cold spot (low among low)", 4: "Spatial outlier: high among low"}
#: What each quadrant is: a cluster of like wards or a ward unlike its neighbours.
KINDS = {1: "cluster", 2: "spatial outlier", 3: "cluster", 4: "spatial outlier"}
NOT_SIGNIFICANT = "Not significant"
NOT_TESTED = "Not tested (no neighbours or no residents)"
PERMUTATIONS = 999
SEED = 12345


def queen_weights(geometry_bng: gpd.GeoDataFrame):
    """Row-standardised Queen contiguity weights (libpysal) on EPSG:27700 ward geometry, ids = ward_code."""
    from libpysal import weights

    if geometry_bng.crs is None or geometry_bng.crs.to_epsg() != 27700:
        raise ValueError("cold spots are computed on British National Grid (EPSG:27700) geometry")
    w = weights.Queen.from_dataframe(geometry_bng, ids=list(geometry_bng["ward_code"]), use_index=False,
                                     silence_warnings=True)
    w.transform = "r"
    return w


def local_moran(values: pd.Series, geometry_bng: gpd.GeoDataFrame, permutations: int = PERMUTATIONS,
                seed: int = SEED, alpha: float = 0.05) -> pd.DataFrame:
    """Local Moran's I of `values` (ward_code → value) with permutation inference.

    Wards without a value or without neighbours (islands) are left out of the weights and the
    test and labelled NOT_TESTED. Returns one row per ward of `geometry_bng`: ward_code, value,
    local_i, p_sim, quadrant (1–4), significant (p_sim < alpha), label, kind ('cluster', 'spatial
    outlier', or '' when not significant or not tested).
    """
    from esda.moran import Moran_Local

    geo = geometry_bng[["ward_code", "geometry"]].copy()
    geo["value"] = values.reindex(geo["ward_code"]).to_numpy(dtype=float)
    out = geo[["ward_code", "value"]].copy()
    out["local_i"], out["p_sim"], out["quadrant"] = np.nan, np.nan, 0
    out["significant"], out["label"] = False, NOT_TESTED
    use = geo[geo["value"].notna()].reset_index(drop=True)
    if len(use) >= 3:
        w = queen_weights(use)
        keep = [c for c in use["ward_code"] if w.cardinalities[c] > 0]
        if len(keep) < len(use):
            use = use[use["ward_code"].isin(keep)].reset_index(drop=True)
            w = queen_weights(use) if len(use) >= 3 else None
        if w is not None and len(use) >= 3 and use["value"].nunique() > 1:
            lisa = Moran_Local(use["value"].to_numpy(dtype=float), w, permutations=permutations, seed=seed)
            res = pd.DataFrame({"local_i": lisa.Is, "p_sim": lisa.p_sim, "quadrant": lisa.q},
                               index=use["ward_code"])
            idx = out["ward_code"].isin(res.index)
            codes = out.loc[idx, "ward_code"]
            out.loc[idx, "local_i"] = res.loc[codes, "local_i"].to_numpy()
            out.loc[idx, "p_sim"] = res.loc[codes, "p_sim"].to_numpy()
            out.loc[idx, "quadrant"] = res.loc[codes, "quadrant"].to_numpy()
            out.loc[idx, "significant"] = out.loc[idx, "p_sim"] < alpha
            out.loc[idx, "label"] = [QUADRANTS[q] if s else NOT_SIGNIFICANT for q, s in
                                     zip(out.loc[idx, "quadrant"], out.loc[idx, "significant"], strict=True)]
    out["quadrant"] = out["quadrant"].astype(int)
    out["significant"] = out["significant"].astype(bool)
    out["kind"] = [KINDS[q] if s else "" for q, s in zip(out["quadrant"], out["significant"], strict=True)]
    return out.reset_index(drop=True)
