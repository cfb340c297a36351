"""geo.proposals: on the real Thurrock wards, proposals for k = 4…7 are contiguous and within range;
plus the repair step and a non-contiguous hand-built scheme on a tiny grid."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from geo import areas, proposals
from tests.test_geo_areas import GRID, NORTH_SOUTH

TOLERANCE = 10.0


@pytest.fixture(scope="module")
def thurrock(thurrock_db):
    mp = pytest.MonkeyPatch()
    mp.setenv("WARDSCOPE_DB", str(thurrock_db))
    import data_access as da
    from geo import indicators

    bng = da.ward_geometry_bng()
    residents = indicators.residents(da.population())
    z = proposals.similarity_features(da.indicator_values(), list(bng["ward_code"]))
    yield da, bng, residents, z
    mp.undo()


@pytest.mark.parametrize("k", [4, 5, 6, 7])
def test_thurrock_proposals_contiguous_and_in_range(thurrock, k):
    _, bng, residents, z = thurrock
    started = time.perf_counter()
    found = proposals.propose(bng, residents, z, k, TOLERANCE)
    assert time.perf_counter() - started < 20
    assert found, "at least one proposal"
    assert [p.name for p in found][0] == "Proposal A"
    assert [p.score for p in found] == sorted(p.score for p in found)
    for p in found:
        assert set(p.assignment.index) == set(bng["ward_code"])
        assert p.assignment.nunique() == k
        check = areas.check_scheme(p.assignment, bng, residents, TOLERANCE)
        assert check["contiguous"].all(), p.method
        assert (check["deviation_pct"].abs() <= TOLERANCE + 1e-9).all(), p.method
        # residents add up to the borough
        assert check["residents"].sum() == pytest.approx(residents.reindex(bng["ward_code"]).sum())
    table = proposals.proposals_table(found)
    assert list(table["Proposal"]) == [p.name for p in found]


def test_thurrock_local_moves_alone_are_repeatable(thurrock):
    _, bng, residents, z = thurrock
    first = proposals.balanced_start(bng, residents, 4, 10)
    assert first.equals(proposals.balanced_start(bng, residents, 4, 10))
    assert areas.check_scheme(first, bng, residents, 10)["within_tolerance"].all()


def test_thurrock_hand_built_scheme_with_a_split_area_is_flagged(thurrock):
    _, bng, residents, z = thurrock
    best = proposals.propose(bng, residents, z, 6, TOLERANCE, alternatives=1)[0].assignment
    # move one ward into an area it does not touch
    frame = bng.set_index("ward_code")
    w = areas.contiguity(frame)
    for code in best.index:
        far = sorted(set(best) - {best[code]} - {best[n] for n in w.neighbors[code]})
        if far:
            break
    hand = best.copy()
    hand[code] = far[0]
    check = areas.check_scheme(hand, bng, residents, TOLERANCE).set_index("area")
    assert not check.at[far[0], "contiguous"]
    assert code in check.at[far[0], "breaking"] or len(check.at[far[0], "breaking"]) > 0
    problems = areas.scheme_problems(check.reset_index(), tolerance_pct=TOLERANCE)
    assert any(f"{far[0]} is not contiguous" in p for p in problems)


def test_thurrock_dissolved_areas_cover_the_borough_without_gaps_or_overlaps(thurrock):
    import shapely

    _, bng, residents, z = thurrock
    scheme = proposals.propose(bng, residents, z, 6, TOLERANCE, alternatives=1)[0].assignment
    dissolved = areas.dissolve(scheme, bng)
    borough = shapely.union_all(bng.geometry.to_numpy())
    union = shapely.union_all(dissolved.geometry.to_numpy())
    assert borough.symmetric_difference(union).area <= 1.0            # no gaps
    assert dissolved.area.sum() - union.area <= 1.0                     # no overlaps
    assert abs(dissolved.area.sum() - bng.area.sum()) <= 1.0
    pp = areas.compactness(scheme, bng)
    assert ((pp > 0) & (pp <= 1)).all()


def test_repair_moves_a_boundary_ward_keeping_contiguity():
    frame = GRID.set_index("ward_code")
    neighbours = {c: list(n) for c, n in areas.contiguity(frame).neighbors.items()}
    pop = pd.Series(1000.0, index=frame.index)
    z = pd.DataFrame({"x": 0.0}, index=frame.index)
    labels = {c: (0 if a == "North" else 1) for c, a in NORTH_SOUTH.items()}  # 3000 v 6000
    fixed = proposals.repair(labels, neighbours, pop, z, 4000, 5000)
    sizes = pd.Series(fixed).value_counts().sort_index().tolist()
    assert sorted(sizes) == [4, 5]
    for k in (0, 1):
        assert areas.is_contiguous(frame.loc[[c for c, a in fixed.items() if a == k]])
