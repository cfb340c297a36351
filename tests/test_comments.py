"""Comments on maps (geo/comments.py): hexagon cells, themes, scrubbed public quotes — with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from geo import comments as gc
from geo import density
from geo.disclosure import DisclosurePolicy, no_small_counts

POLICY = DisclosurePolicy(threshold=10, min_base=25)
SIZE = 500.0
TOPICS = {
    "parking": "parking cars spaces permit street pavement vans kerb".split(),
    "park": "trees playground children grass benches dogs flowers swings".split(),
    "buses": "bus buses route timetable stop late service driver".split(),
}
FILLER = "really think like please more need council area near".split()


def _corpus(seed: int = 1, per_topic: int = 30) -> pd.DataFrame:
    """3 planted topics × `per_topic` comments: five of the topic's words and four filler words each."""
    rng = np.random.default_rng(seed)
    rows = []
    for topic, words in TOPICS.items():
        for i in range(per_topic):
            text = [*rng.choice(words, 5, replace=False), *rng.choice(FILLER, 4)]
            rng.shuffle(text)
            rows.append({"value": " ".join(text), "easting": 560000.0, "northing": 180000.0, "public": True,
                         "ward_code": f"W{i % 3}", "age_band": "18-24" if i < per_topic // 2 else "65+",
                         "topic": topic})
    return pd.DataFrame(rows)


# ---- scrubbing -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, gone", [
    ("I live at SS17 0AB near the station", "SS17 0AB"),
    ("postcode ss170ab, thanks", "ss170ab"),
    ("write to rm17 6sl or call", "rm17 6sl"),
    ("London EC1A 1BB office", "EC1A 1BB"),
    ("W1A 0AX", "W1A 0AX"),
    ("call me on +44 7700 900123 any time", "7700 900123"),
    ("ring 07700900123.", "07700900123"),
    ("ring 07700 900 123 please", "07700 900 123"),
    ("office (01375) 652000", "652000"),
    ("landline 01375-652-000", "01375-652-000"),
    ("or 020 7946 0018", "7946 0018"),
    ("+44 (0)20 7946 0018", "7946 0018"),
    ("0044 7700 900123", "7700 900123"),
    ("text +447700900123!", "447700900123"),
    ("07700-900-123", "900-123"),
    ("freephone 0800 123 4567", "123 4567"),
    ("email a.b@c.co.uk today", "a.b@c.co.uk"),
    ("Mail: First.Last+news@example-mail.org.", "example-mail.org"),
    ("mixed ss17ab@thurrock.gov.uk", "thurrock.gov.uk"),
])
def test_scrub_removes_personal_details(text: str, gone: str) -> None:
    out = gc.scrub(text)
    assert gone.lower() not in out.lower()
    assert "removed]" in out
    assert not any(p.search(out) for p in (gc.EMAIL, gc.PHONE, gc.POSTCODE))


def test_scrub_keeps_ordinary_numbers_and_words() -> None:
    text = "The A13 needs 24 more bus stops by 2030; £1,000,000 for 10 homes at no. 42, 09:30 on 01/02/2025"
    assert gc.scrub(text) == text


def test_scrub_all_in_one() -> None:
    out = gc.scrub("Me: j.smith@mail.com, 07700900123, SS17 0AB.")
    assert out == "Me: [e-mail removed], [phone removed], [postcode removed]."


def test_shorten_cuts_at_a_word() -> None:
    assert gc.shorten("one  two\nthree", 100) == "one two three"
    assert gc.shorten("alpha beta gamma delta", 13) == "alpha beta…"
    assert len(gc.shorten("word " * 200, 50)) <= 50


# ---- hexagon cells -------------------------------------------------------------------------------------------

def _at_cell(q: int, r: int, n: int, jitter: float = 50.0) -> pd.DataFrame:
    x, y = density.hex_centres(np.array([q]), np.array([r]), SIZE)
    offsets = np.linspace(-jitter, jitter, n)
    return pd.DataFrame({"value": "x", "easting": x[0] + offsets, "northing": y[0] - offsets / 2, "public": True,
                         "ward_code": "W1", "age_band": "65+"})


def test_cells_hold_at_least_the_threshold_and_drops_are_protected() -> None:
    frame = pd.concat([_at_cell(0, 0, 10), _at_cell(2, 0, 3), _at_cell(0, 2, 12), _at_cell(4, 4, 1),
                       pd.DataFrame({"value": ["a", "b"], "easting": [None, None], "northing": [None, None]})])
    out = gc.comment_cells(frame, SIZE, POLICY)
    shown = out.cells.set_index("cell")["comments"].to_dict()
    assert shown == {"0,0": 10.0, "0,2": 12.0}  # never a cell under 10: the 3 and the single pin are gone
    assert np.isnan(out.dropped)  # 4 comments in dropped cells: 1–9, hidden
    assert np.isnan(out.unplaced)  # 2 without a place: hidden
    for geom, (q, r) in zip(out.cells.geometry, zip(out.cells["q"], out.cells["r"], strict=True), strict=True):
        x, y = density.hex_centres(np.array([q]), np.array([r]), SIZE)
        assert geom.contains(shapely.Point(x[0], y[0]))
    assert str(out.cells.crs) == "EPSG:27700"


def test_dropped_count_shown_when_large_and_zero_when_none() -> None:
    frame = pd.concat([_at_cell(0, 0, 10), *[_at_cell(3 * i, 5, 4) for i in range(3)]])
    out = gc.comment_cells(frame, SIZE, POLICY)
    assert list(out.cells["comments"]) == [10.0]
    assert out.dropped == 12.0 and out.unplaced == 0.0
    none_dropped = gc.comment_cells(_at_cell(1, 1, 15), SIZE, POLICY)
    assert none_dropped.dropped == 0.0 and list(none_dropped.cells["comments"]) == [15.0]


def test_bin_points_matches_density_rounding_and_empty() -> None:
    counts = gc.bin_points(pd.Series([0.0, 10.0, 2000.0]), pd.Series([0.0, 5.0, 0.0]), SIZE)
    assert counts.set_index(["q", "r"])["n"].to_dict() == {(0, 0): 2, (2, 0): 1}
    assert gc.bin_points(pd.Series([], dtype=float), pd.Series([], dtype=float), SIZE).empty
    empty = gc.comment_cells(_at_cell(0, 0, 0), SIZE, POLICY)
    assert empty.cells.empty and empty.dropped == 0.0


def test_cells_for_map_is_wgs84_keyed_by_cell() -> None:
    out = gc.comment_cells(_at_cell(0, 0, 11).assign(easting=lambda d: d["easting"] + 560000,
                                                     northing=lambda d: d["northing"] + 180000), SIZE, POLICY)
    shown = gc.cells_for_map(out.cells)
    assert shown.crs.to_epsg() == 4326 and list(shown["ward_code"]) == list(out.cells["cell"])
    assert list(shown["Comments"]) == [11.0]


# ---- themes --------------------------------------------------------------------------------------------------

def _purity(fit: gc.ThemeFit) -> pd.DataFrame:
    return pd.crosstab(fit.assigned["topic"], fit.assigned["theme"])


def test_number_of_themes_for_small_inputs() -> None:
    assert [gc.n_themes_for(n, POLICY) for n in (0, 9, 10, 39, 40, 90, 119, 500)] == [0, 0, 1, 1, 2, 4, 5, 6]


def test_themes_recover_three_planted_topics() -> None:
    fit = gc.fit_themes(_corpus(), POLICY)  # asks for 4, settles on 3: a fourth would be a crumb under 10
    table = _purity(fit)
    assert len(fit.themes) == 3 and 0 not in table.columns
    for topic, words in TOPICS.items():
        theme = int(table.loc[topic].idxmax())
        assert table.loc[topic, theme] == 30  # every comment of the topic in one theme
        label_terms = fit.themes.set_index("theme").loc[theme, "terms"]
        assert set(label_terms) <= set(words), (topic, label_terms)  # named by the topic's own words
    assert list(fit.themes["comments"]) == [30, 30, 30]


def test_themes_are_deterministic() -> None:
    first, second = gc.fit_themes(_corpus(), POLICY), gc.fit_themes(_corpus(), POLICY)
    pd.testing.assert_frame_equal(first.themes, second.themes)
    assert list(first.assigned["theme"]) == list(second.assigned["theme"])


def test_stop_words_and_rare_words_never_name_a_theme() -> None:
    frame = _corpus()
    frame.loc[:4, "value"] += " Smithson"  # a name five people wrote: under the threshold, never a term
    fit = gc.fit_themes(frame, POLICY)
    terms = {t for ts in fit.themes["terms"] for t in ts}
    assert "smithson" not in terms and not terms & {"the", "and", "would", "please"}


def test_theme_sizes_protected_overall_by_ward_and_by_age() -> None:
    fit = gc.fit_themes(_corpus(), POLICY)
    overall = gc.theme_table(fit)
    assert list(overall["label"])[-2:] == [gc.OTHER, "Total"]
    assert overall["comments"].iloc[-1] == 90 and overall["comments"].iloc[-2] == 0
    by_ward = gc.theme_by(fit, "ward_code")  # 10 of each topic per ward: shown
    assert list(by_ward.index) == ["W0", "W1", "W2", "Total"]
    assert (by_ward.loc["W0", list(fit.themes["label"])] == 10).all()
    by_age = gc.theme_by(fit, "age_band")
    assert (by_age.loc["18-24", list(fit.themes["label"])] == 15).all()
    assert by_age.loc["Total", "Total"] == 90
    for table in (overall["comments"], by_ward, by_age):
        assert no_small_counts(table, POLICY)


def test_small_ward_counts_are_hidden_and_missing_ward_counted() -> None:
    frame = _corpus()
    frame.loc[frame.index[:4], "ward_code"] = "W9"  # 4 parking comments in W9
    frame.loc[frame.index[4], "ward_code"] = None
    fit = gc.fit_themes(frame, POLICY)
    by_ward = gc.theme_by(fit)
    assert by_ward.loc["W9"].isna().any() and no_small_counts(by_ward, POLICY)
    assert gc.NOT_PLACED in by_ward.index
    assert by_ward.loc["Total", "Total"] == 90


def test_theme_under_threshold_never_appears() -> None:
    """A planted fourth topic of 12 comments, split across wards; asked for 6 themes NMF makes crumbs: every
    theme shown holds at least 10 comments and those in smaller ones count only as OTHER."""
    frame = _corpus()
    rng = np.random.default_rng(5)
    extra = [" ".join(rng.choice("zebra crossing lollipop school".split(), 3, replace=False)) for _ in range(12)]
    frame = pd.concat([frame, pd.DataFrame({"value": extra, "easting": 1.0, "northing": 1.0, "public": True,
                                            "ward_code": [f"W{i % 4}" for i in range(12)], "age_band": "65+",
                                            "topic": "crossing"})], ignore_index=True)
    for n_themes in (None, 6):
        fit = gc.fit_themes(frame, POLICY, n_themes=n_themes)
        assert (fit.themes["comments"] >= 10).all()
        sizes = fit.assigned.loc[fit.assigned["theme"] > 0, "theme"].value_counts()
        assert (sizes >= 10).all()
        by_ward = gc.theme_by(fit)
        assert set(by_ward.columns) == {*fit.themes["label"], gc.OTHER, "Total"}
        assert no_small_counts(by_ward, POLICY) and no_small_counts(gc.theme_table(fit)["comments"], POLICY)
        assert set(gc.quotes(fit)["label"]) <= set(fit.themes["label"])
    small = gc.fit_themes(frame[frame["topic"] == "crossing"].head(9), POLICY)
    assert small.themes.empty and gc.quotes(small).empty
    assert np.isnan(gc.theme_table(small)["comments"]).all()  # 9 comments: hidden, and the total with them


def test_no_vocabulary_means_no_themes() -> None:
    frame = pd.DataFrame({"value": ["the and of"] * 12 + [None] * 3, "public": True, "ward_code": "W1",
                          "age_band": "65+", "easting": 1.0, "northing": 1.0})
    fit = gc.fit_themes(frame, POLICY)
    assert fit.themes.empty and (fit.assigned["theme"] == 0).all()
    assert gc.theme_table(fit).set_index("label").loc[gc.OTHER, "comments"] == 15


# ---- quotes --------------------------------------------------------------------------------------------------

def test_quotes_only_public_scrubbed_and_capped() -> None:
    frame = _corpus()
    secret = frame.index % 3 != 0  # two in three comments were not public: False, missing or NA
    frame["public"] = pd.Series(np.where(frame.index % 3 == 0, True, False), dtype=object)
    frame.loc[frame.index % 3 == 2, "public"] = None
    frame.loc[secret, "value"] = frame.loc[secret, "value"] + [f" private{i:03d}" for i in frame.index[secret]]
    frame.loc[frame.index % 3 == 0, "value"] += " 07700 900123, a.b@c.co.uk, SS17 0AB"
    frame.loc[0, "value"] += " " + "long " * 100
    fit = gc.fit_themes(frame, POLICY)
    out = gc.quotes(fit, per_theme=3, limit=120)
    assert len(out) == 9 and out.groupby("theme").size().tolist() == [3, 3, 3]
    assert not out["quote"].str.contains("private").any()
    assert not {t for ts in fit.themes["terms"] for t in ts} & {"phone", "mail", "postcode", "removed"}
    assert not out["quote"].str.contains("07700|a.b@|SS17", regex=True).any()
    assert (out["quote"].str.len() <= 120).all()
    assert out["quote"].str.contains(r"\[phone removed\]").all()
    public = set(fit.assigned.loc[fit.assigned["public"].eq(True), "text"].map(lambda t: gc.shorten(t, 120)))
    assert set(out["quote"]) <= public


def test_quotes_with_pandas_boolean_and_na() -> None:
    frame = _corpus()
    frame["public"] = pd.array([pd.NA if i % 2 else False for i in range(len(frame))], dtype="boolean")
    assert gc.quotes(gc.fit_themes(frame, POLICY)).empty
    frame["public"] = pd.array([True] * len(frame), dtype="boolean")
    assert len(gc.quotes(gc.fit_themes(frame, POLICY))) == 9


def test_quotes_come_from_the_strongest_comments_first() -> None:
    fit = gc.fit_themes(_corpus(), POLICY)
    out = gc.quotes(fit, per_theme=1)
    for theme, quote in zip(out["theme"], out["quote"], strict=True):
        rows = fit.assigned[fit.assigned["theme"] == theme]
        assert quote == gc.shorten(rows.loc[rows["weight"].idxmax(), "text"])


def test_theme_table_rows() -> None:
    out = gc.theme_table(gc.fit_themes(_corpus(), POLICY))
    assert list(out["theme"].iloc[:-1]) == [1, 2, 3, 0] and pd.isna(out["theme"].iloc[-1])
    assert all(len(t) == 5 for t in out["terms"].iloc[:3]) and out["terms"].iloc[-1] == ()


def _single_hidden(table: pd.DataFrame) -> bool:
    """True when some row or column (with its total) hides exactly one cell: that cell could be worked out."""
    hidden = table.isna().to_numpy()
    return bool((hidden.sum(axis=0) == 1).any() or (hidden.sum(axis=1) == 1).any())


def test_every_size_table_hides_the_same_totals() -> None:
    """A theme written about only in one ward, whose row needs a second hidden cell: the by-ward table then hides
    the theme's size in its 'Total' row (else the ward's cell = the theme's size), so the overall table and the
    by-age table must hide it too."""
    frame = _corpus()
    frame.loc[frame["topic"] == "buses", "ward_code"] = "W5"
    other = pd.DataFrame({"value": ["hello xyzzy"] * 3, "easting": 1.0, "northing": 1.0, "public": True,
                          "ward_code": "W5", "age_band": "65+", "topic": "none"})
    fit = gc.fit_themes(pd.concat([frame, other], ignore_index=True), POLICY)
    overall = gc.theme_table(fit).set_index("label")["comments"]
    buses = fit.themes.loc[[set(t) <= set(TOPICS["buses"]) for t in fit.themes["terms"]], "label"].item()
    by_ward, by_age = gc.theme_by(fit, "ward_code"), gc.theme_by(fit, "age_band")
    assert np.isnan(by_ward.loc["W5", buses]) and np.isnan(by_ward.loc["Total", buses])
    for table in (by_ward, by_age):
        assert list(table.loc["Total"].isna()) == list(overall.isna())
        assert not _single_hidden(table) and no_small_counts(table, POLICY)
    assert overall.isna().sum() != 1
