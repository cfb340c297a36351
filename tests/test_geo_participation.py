"""geo.participation on tiny hand-made tables with answers worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from geo import indicators
from geo import participation as gp
from geo import representation as rp
from geo.disclosure import TOTAL, DisclosurePolicy, no_small_counts, protect_note, protect_single
from render import tables
from vocabulary import AGE_BANDS, NOT_STATED

POLICY = DisclosurePolicy()


def _population(rows: dict[str, dict[str, float]], dimension: str = "age") -> pd.DataFrame:
    """{ward: {category: persons}} → long ward_population."""
    return pd.DataFrame([{"ward_code": w, "dimension": dimension, "category": c, "persons": p}
                         for w, cats in rows.items() for c, p in cats.items()])


WARDS = pd.DataFrame({"ward_code": ["A", "B", "C", "D"], "ward_name": ["Ash", "Beech", "Cedar", "Dale"]})
POP = _population({"A": {"0-15": 400, "65+": 600}, "B": {"0-15": 1000, "65+": 1000},
                   "C": {"0-15": 1500, "65+": 1500}, "D": {"0-15": 10, "65+": 10}})


def test_rates_per_1000_residents_with_small_counts_hidden():
    # A 50 responses, B 5 (hidden: 1–9), C 20 (hidden too: else B = total − A − C), D none → 0.
    eng = pd.DataFrame({"ward_code": ["A", "B", "C"], "responses": [50, 5, 20], "respondents": [40, 5, 20]})
    out = gp.rates_by_ward(WARDS, POP, eng, POLICY).set_index("ward_code")
    assert list(out.index) == ["A", "B", "C", "D", TOTAL]
    assert out.at["A", "residents"] == 1000 and out.at[TOTAL, "residents"] == 6020
    assert out.at["A", "responses"] == 50 and out.at["A", "responses_per_1000"] == pytest.approx(50.0)
    assert math.isnan(out.at["B", "responses"]) and math.isnan(out.at["B", "responses_per_1000"])
    assert math.isnan(out.at["C", "responses"]) and math.isnan(out.at["C", "responses_per_1000"])
    assert out.at["D", "responses"] == 0
    assert math.isnan(out.at["D", "responses_per_1000"])  # base of 20 residents < 25: no rate
    assert out.at[TOTAL, "responses"] == 75
    assert out.at[TOTAL, "responses_per_1000"] == pytest.approx(75 / 6020 * 1000)
    assert out.at[TOTAL, "respondents"] == 65
    assert no_small_counts(out[["responses", "respondents"]])


def test_ward_table_shows_hidden_counts_as_less_than_ten():
    eng = pd.DataFrame({"ward_code": ["A", "B", "C"], "responses": [1234, 5, 20], "respondents": [900, 5, 20]})
    table = tables.ward_table(gp.rates_by_ward(WARDS, POP, eng, POLICY), POLICY).set_index("Ward")
    assert table.at["Ash", "Responses"] == "1,234"
    assert table.at["Beech", "Responses"] == "hidden"
    assert table.at["Beech", "Responses per 1,000 residents"] == "hidden or n/a"
    assert table.at["All wards", "Responses"] == "1,259"
    assert table.at["Ash", "People taking part per 1,000 residents"] == "900.0"


def test_same_cells_hidden_as_the_overview_indicators():
    """Ties in secondary suppression are broken by position: both must protect in the same order."""
    eng = pd.DataFrame({"ward_code": ["A", "B", "C", "D"], "responses": [30, 4, 12, 12],
                        "respondents": [30, 4, 12, 12]})
    ours = gp.rates_by_ward(WARDS, POP, eng, POLICY).set_index("ward_code")["responses_per_1000"]
    theirs = indicators.ward_indicators(WARDS["ward_code"], POP, pd.DataFrame(columns=["ward_code", "domain"]),
                                        pd.DataFrame(columns=["ward_code"]), eng, POLICY)["responses_per_1000"]
    assert list(ours.drop(TOTAL).isna()) == list(theirs.drop(indicators.BOROUGH).isna())


def _groups(counts: dict[str, int], wards: tuple[str, ...] = ("A", "B")) -> pd.DataFrame:
    """Split each category's respondents over wards (the first ward gets the remainder)."""
    rows = []
    for category, n in counts.items():
        rest = n
        for w in wards[1:]:
            rows.append({"ward_code": w, "category": category, "respondents": n // len(wards)})
            rest -= n // len(wards)
        rows.append({"ward_code": wards[0], "category": category, "respondents": rest})
    return pd.DataFrame(rows)


SEX_POP = _population({"A": {"Female": 300, "Male": 200}, "B": {"Female": 300, "Male": 200}}, "sex")


def test_representation_shares_and_index():
    rep = rp.borough_shares(SEX_POP, _groups({"Female": 60, "Male": 30, NOT_STATED: 10}), "sex", POLICY)
    rep = rep.set_index("group")
    assert list(rep.index) == ["Female", "Male", rp.STATED, NOT_STATED, rp.ALL_RESPONDENTS]
    # Not stated (10) is its own row and not in the base: shares are of the 90 who stated a sex.
    assert rep.at["Female", "respondent_share"] == pytest.approx(60 / 90 * 100)
    assert rep.at["Male", "respondent_share"] == pytest.approx(30 / 90 * 100)
    assert rep.at["Female", "resident_share"] == pytest.approx(60.0)
    assert rep.at["Female", "index"] == pytest.approx((60 / 90) / 0.6)
    assert rep.at["Male", "index"] == pytest.approx((30 / 90) / 0.4)
    assert rep.at[NOT_STATED, "respondents"] == 10 and math.isnan(rep.at[NOT_STATED, "respondent_share"])
    assert rep.at[rp.STATED, "respondents"] == 90
    assert rep.at[rp.ALL_RESPONDENTS, "respondents"] == 100


def test_not_stated_is_never_dropped_even_when_missing_as_null():
    frame = pd.DataFrame({"ward_code": ["A", "A", "B"], "category": ["Female", None, NOT_STATED],
                          "respondents": [50, 12, 8]})
    rep = rp.borough_shares(SEX_POP, frame, "sex", POLICY).set_index("group")
    assert rep.at[NOT_STATED, "respondents"] == 20
    assert rep.at[rp.ALL_RESPONDENTS, "respondents"] == 70
    assert rep.at["Male", "respondents"] == 0 and rep.at["Male", "respondent_share"] == 0


def test_one_small_group_hides_another_cell_and_the_shares():
    # Male 5 is hidden; the smallest other cell of groups + Not stated = all (Not stated, 20) is hidden
    # with it, and so is the stated subtotal (all − Not stated), the shares' base: no share is shown.
    rep = rp.borough_shares(SEX_POP, _groups({"Female": 100, "Male": 5, NOT_STATED: 20}), "sex", POLICY)
    rep = rep.set_index("group")
    assert math.isnan(rep.at["Male", "respondents"]) and math.isnan(rep.at[NOT_STATED, "respondents"])
    assert rep.at["Female", "respondents"] == 100 and rep.at[rp.ALL_RESPONDENTS, "respondents"] == 125
    assert math.isnan(rep.at[rp.STATED, "respondents"])
    assert rep.loc[["Female", "Male"], ["respondent_share", "index"]].isna().all().all()
    assert no_small_counts(rep["respondents"])


def test_small_stated_subtotal_shown_as_less_than_ten():
    rep = rp.borough_shares(SEX_POP, _groups({"Female": 1, "Male": 1, NOT_STATED: 30}, ("A",)), "sex", POLICY)
    rep = rep.set_index("group")
    assert math.isnan(rep.at[rp.STATED, "respondents"])
    assert no_small_counts(rep["respondents"])


def test_small_not_stated_cannot_be_recovered_from_the_totals():
    rep = rp.borough_shares(SEX_POP, _groups({"Female": 100, "Male": 80, NOT_STATED: 3}), "sex", POLICY)
    rep = rep.set_index("group")
    assert math.isnan(rep.at[NOT_STATED, "respondents"])
    # all respondents − stated would give Not stated back, so one of them is hidden too
    assert math.isnan(rep.at[rp.STATED, "respondents"]) or math.isnan(rep.at[rp.ALL_RESPONDENTS, "respondents"])
    assert no_small_counts(rep["respondents"])


def test_shares_hidden_on_a_base_below_25_but_counts_shown():
    rep = rp.borough_shares(SEX_POP, _groups({"Female": 12, "Male": 10}), "sex", POLICY).set_index("group")
    assert rep.at["Female", "respondents"] == 12 and rep.at["Male", "respondents"] == 10
    assert rep["respondent_share"].isna().all() and rep["index"].isna().all()
    assert rep.at[NOT_STATED, "respondents"] == 0


def test_age_groups_in_band_order_and_unknown_groups_kept():
    pop = _population({"A": {b: 100 for b in reversed(AGE_BANDS)}})
    rep = rp.borough_shares(pop, _groups({"65+": 40, "0-15": 30, "Martian": 12}, ("A",)), "age", POLICY)
    assert list(rep["group"])[: len(AGE_BANDS) + 1] == AGE_BANDS + ["Martian"]
    martian = rep.set_index("group").loc["Martian"]
    assert martian["respondents"] == 12 and martian["residents"] == 0 and math.isnan(martian["index"])


def test_representation_table_strings():
    rep = rp.borough_shares(SEX_POP, _groups({"Female": 60, "Male": 30, NOT_STATED: 10}), "sex", POLICY)
    table = tables.shares_table(rep, "Sex", POLICY).set_index("Sex")
    assert table.at["Female", "Share of respondents who stated a group"] == "66.7%"
    assert table.at["Female", "Representation index (1.00 = in proportion)"] == "1.11"
    assert table.at[NOT_STATED, "Share of respondents who stated a group"] == ""


def test_protect_single_and_notes():
    assert protect_single(0, POLICY) == "0"
    assert protect_single(7, POLICY) == "hidden"
    assert protect_single(1234, POLICY) == "1,234"
    note = "responses: 3 response(s) have no postcode or one outside the borough; kept, with no ward."
    assert protect_note(note, POLICY).startswith("responses: fewer than 10 response(s)")
    assert protect_note("responses: 1,204 response(s) have no postcode", POLICY) == \
        "responses: 1,204 response(s) have no postcode"
    assert protect_note("wards: 3 invalid ward geometries were repaired.", POLICY) == \
        "wards: 3 invalid ward geometries were repaired."


def test_dimensions_available_only_with_census_population():
    pop = pd.concat([_population({"A": {"0-15": 1}}), SEX_POP])
    assert gp.dimensions_available(pop, ["age", "sex", "ethnicity", "disability"]) == ["age", "sex"]
