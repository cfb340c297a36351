"""Comments pinned on maps: hexagon cells, themes of the free text and scrubbed public quotes.

Input: the frame of data_access's `comments(question_id, flt)`, one row per map comment with value (the text),
easting, northing (EPSG:27700, NULL when not placed), public (shown on the portal), ward_code and age_band.
Everything returned here is safe to show under the disclosure policy (geo/disclosure.py):

- **Places**: never a pin. Comments are binned into the pointy-top hexagons of geo/density.py and a cell is
  drawn only when it holds at least `policy.threshold` comments; the comments in smaller cells are reported as
  one protected total (hidden when 1 to threshold-1).
- **Themes**: TF-IDF (Salton & Buckley 1988) and non-negative matrix factorisation (Lee & Seung 1999,
  "Learning the parts of objects by non-negative matrix factorization", Nature 401) from scikit-learn, offline
  and deterministic (NNDSVDa start, fixed random_state). Only words used by at least `policy.threshold`
  comments enter the vocabulary (so no theme is named after a word a few people wrote, such as a name),
  English stop words are dropped and postcodes, e-mail addresses and phone numbers are scrubbed before fitting.
  Each comment joins its strongest theme; a theme shared by fewer than the threshold of comments is folded
  into "Other comments" before anything is counted, so its name never appears. Sizes by ward and by age
  group are whole tables protected by `protect_table` (primary and secondary suppression), together with the
  overall sizes so that every table hides the same totals. The number of themes is chosen by UMass coherence
  (Mimno et al. 2011) among fits whose themes all reach the threshold.
- **Quotes**: only from comments that were public on the portal and only for a shown theme; postcodes,
  e-mail addresses and phone numbers removed (`scrub`); the comments that load most on the theme first;
  cut to a length. Plain text: whatever renders them escapes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import density
from geo.disclosure import DEFAULT_POLICY, TOTAL, DisclosurePolicy, protect_counts, protect_table
from vocabulary import NOT_STATED

OTHER = "Other comments"
NOT_PLACED = "Not placed in a ward"
MAX_THEMES = 6
COMMENTS_PER_THEME = 20
QUOTE_CHARS = 240
#: The breakdowns of theme sizes a page shows, protected together (`theme_table`, `theme_by`).
BREAKDOWNS = ("ward_code", "age_band")
#: Above this many comments the number of themes is chosen on a fixed random sample of this size.
SEARCH_SAMPLE = 5000

# ---- removing personal details -------------------------------------------------------------------------------

#: An e-mail address: local part, @, a domain with at least one dot.
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
#: A UK telephone number: +44 / 0044 (optionally "(0)") or a leading 0, then 9–10 more digits with spaces,
#: hyphens, dots or brackets between them; and any other international number (+ and 8 or more digits).
PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s*44\s*(?:\(0\)\s*)?|\(?0)\d(?:[\s\-.()]{0,2}\d){8,9}(?!\d)"
    r"|(?<![\w+])\+\d(?:[\s\-.()]{0,2}\d){7,14}(?!\d)")
#: A full UK postcode, any case, with or without the space ("SS17 0AB", "ss170ab"): outward code (area letters,
#: district digit, optional digit or letter) then the inward code (a digit and two letters). Errs towards
#: removing: a road and an ordinal ("A13 4th") also matches, which costs a word, never a person's address.
POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)


#: The notes `scrub` leaves in place of what it removed.
REMOVED = re.compile(r"\[(?:e-mail|phone|postcode) removed\]")


def scrub(text: str) -> str:
    """The text with e-mail addresses, phone numbers and UK postcodes replaced by a bracketed note.

    Why: a comment posted on a public map can still carry the writer's own contact details or address, which a
    report must not copy. E-mail goes first (an address may hold digits or a postcode-like part), then phone
    numbers, then postcodes. Regular expressions, not a model: predictable and tested on awkward forms."""
    text = EMAIL.sub("[e-mail removed]", str(text))
    text = PHONE.sub("[phone removed]", text)
    return POSTCODE.sub("[postcode removed]", text)


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    """Whitespace collapsed and the text cut at a word boundary to at most `limit` characters (… when cut)."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    cut = cut[: cut.rfind(" ")] if " " in cut else cut
    return cut.rstrip(" ,;:.-") + "…"


# ---- places --------------------------------------------------------------------------------------------------


class CommentCells(NamedTuple):
    """Hexagons to draw and what was left out of them, both protected."""

    cells: gpd.GeoDataFrame  # q, r, comments, geometry (EPSG:27700), cell: only cells of at least the threshold
    dropped: float  # comments in cells below the threshold: NaN when 1..threshold-1 (show with format_count)
    unplaced: float  # comments with no grid reference, protected the same way


def bin_points(easting: pd.Series, northing: pd.Series, size: float) -> pd.DataFrame:
    """Points counted per hexagon: q, r, n. The same axial rounding as the SQL that bins respondents
    (geo.density.hex_axial), so comment and respondent hexagons of one size line up."""
    if len(easting) == 0:
        return pd.DataFrame({"q": pd.Series(dtype=int), "r": pd.Series(dtype=int), "n": pd.Series(dtype=int)})
    q, r = density.hex_axial(easting.to_numpy(float), northing.to_numpy(float), size)
    return pd.DataFrame({"q": q, "r": r}).groupby(["q", "r"]).size().rename("n").reset_index()


def _protected(value: float, policy: DisclosurePolicy) -> float:
    return float("nan") if 0 < value < policy.threshold else float(value)


def comment_cells(comments: pd.DataFrame, size: float, policy: DisclosurePolicy = DEFAULT_POLICY) -> CommentCells:
    """Comments as hexagon cells of circumradius `size` m holding at least `policy.threshold` comments each.

    Why: a pin is one person's mark on a map; a cell of ten or more is not. Cells below the threshold are dropped
    by geo.density.hexagons (never drawn, never tabled) and their comments given only as a protected total."""
    placed = comments["easting"].notna() & comments["northing"].notna()
    counts = bin_points(comments.loc[placed, "easting"], comments.loc[placed, "northing"], size)
    shown, dropped = density.hexagons(counts.rename(columns={"n": "respondents"}), size, policy)
    shown = shown.rename(columns={"respondents": "comments"})
    return CommentCells(shown, _protected(dropped, policy), _protected(float((~placed).sum()), policy))


def cells_for_map(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Shown cells in WGS84 for display, keyed by `ward_code` = the cell id like geo.density.for_map."""
    return cells.to_crs("EPSG:4326").assign(ward_code=cells["cell"], Comments=cells["comments"])


# ---- themes --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeFit:
    """Themes found in a question's comments.

    themes: theme (1..k, by size), label (top terms), terms (tuple), comments (raw count, at least the threshold);
    assigned: the input rows with `theme` (0 = OTHER) and `weight` (its loading on that theme). Per-comment rows
    stay inside geo: show only what `theme_table`, `theme_by` and `quotes` return."""

    themes: pd.DataFrame
    assigned: pd.DataFrame
    policy: DisclosurePolicy


def n_themes_for(n_comments: int, policy: DisclosurePolicy = DEFAULT_POLICY) -> int:
    """How many themes to look for: about one per 20 comments, at most 6, at least 1 once a theme could be shown.

    Why: NMF will always return as many themes as asked; on a small question many would be fragments of one
    another and fall under the threshold anyway."""
    if n_comments < policy.threshold:
        return 0
    return max(1, min(MAX_THEMES, n_comments // COMMENTS_PER_THEME))


def _vectorise(texts: list[str], min_df: int):
    """TF-IDF of the texts over English words (3+ letters, no stop words) used by at least `min_df` comments;
    None when no word is that common."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(stop_words="english", lowercase=True, min_df=min_df, sublinear_tf=True,
                                 token_pattern=r"(?u)\b[^\W\d_]{3,}\b")
    try:
        tfidf = vectoriser.fit_transform(texts)
    except ValueError:  # "After pruning, no terms remain" / "empty vocabulary"
        return None
    return tfidf, vectoriser.get_feature_names_out()


def _nmf(tfidf, k: int, n_terms: int, random_state: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """NMF of the TF-IDF matrix (Lee & Seung 1999; NNDSVDa start, so deterministic): the comment × theme weights
    and each theme's top term indices (positive loadings only)."""
    from sklearn.decomposition import NMF

    model = NMF(n_components=k, init="nndsvda", random_state=random_state, max_iter=1000, tol=1e-5)
    weights = model.fit_transform(tfidf)
    top = [row.argsort()[::-1][:n_terms] for row in model.components_]
    return weights, [idx[model.components_[i][idx] > 0] for i, idx in enumerate(top)]


def umass(present, top: list[np.ndarray]) -> float:
    """Mean UMass coherence of the themes (Mimno et al. 2011, "Optimizing semantic coherence in topic models"):
    for each theme, the mean over ordered pairs of its top terms of log((D(wi, wj) + 1) / D(wj)), D counting the
    comments holding the words. Themes whose words turn up together score higher; a theme of filler words
    spread evenly over every topic, or two topics run together, score lower."""
    scores = []
    for idx in top:
        if len(idx) < 2:
            continue
        sub = present[:, idx]
        together = np.asarray((sub.T @ sub).todense(), dtype=float)
        alone = np.diag(together)
        pairs = [np.log((together[i, j] + 1) / alone[j]) for i in range(len(idx)) for j in range(i)]
        scores.append(float(np.mean(pairs)))
    return float(np.mean(scores)) if scores else float("-inf")


def _fit_shown(texts: list[str], k: int, policy: DisclosurePolicy, n_terms: int, random_state: int, search: bool):
    """The factorisation: with `search`, the number of themes from 1 to k whose themes all hold at least the
    threshold of comments and have the best UMass coherence (fewer themes on a tie); otherwise exactly k.
    Asked for too many themes NMF splits a topic or makes a theme of filler words; too few run topics together.
    Returns weights, top term indices, vocabulary, each comment's strongest theme and the theme sizes."""
    vectorised = _vectorise(texts, policy.threshold)
    if vectorised is None or k < 1:
        return None
    tfidf, vocab = vectorised
    if search and tfidf.shape[0] > SEARCH_SAMPLE:  # choose the number on a fixed sample, then fit them all
        rows = np.sort(np.random.default_rng(random_state).choice(tfidf.shape[0], SEARCH_SAMPLE, replace=False))
        k = _search(tfidf[rows], k, policy, n_terms, random_state)[0].shape[1]
        search = False
    weights, top = _search(tfidf, k, policy, n_terms, random_state) if search else _nmf(
        tfidf, min(k, *tfidf.shape), n_terms, random_state)
    raw = weights.argmax(axis=1)
    return weights, top, vocab, raw, pd.Series(raw[weights.max(axis=1) > 0]).value_counts()


def _search(tfidf, k: int, policy: DisclosurePolicy, n_terms: int, random_state: int):
    """The NMF with 1..k themes whose themes all hold at least the threshold and whose UMass coherence is best."""
    present = (tfidf > 0).astype(np.int64).tocsc()
    best, best_score = None, float("-inf")
    for n in range(1, k + 1):
        weights, top = _nmf(tfidf, min(n, *tfidf.shape), n_terms, random_state)
        sizes = pd.Series(weights.argmax(axis=1)[weights.max(axis=1) > 0]).value_counts()
        small = (sizes < policy.threshold).any() or len(sizes) < weights.shape[1]
        score = float("-inf") if small else umass(present, top)
        if best is None or score > best_score + 1e-9:
            best, best_score = (weights, top), score
    return best


def _labels(terms: list[tuple[str, ...]]) -> list[str]:
    """Each theme named by its top terms; a repeated name gets its number so that table columns stay distinct."""
    names = [", ".join(t) or f"Theme {i + 1}" for i, t in enumerate(terms)]
    return [f"{n} ({i + 1})" if names.count(n) > 1 else n for i, n in enumerate(names)]


def fit_themes(comments: pd.DataFrame, policy: DisclosurePolicy = DEFAULT_POLICY, n_themes: int | None = None,
               n_terms: int = 5, random_state: int = 0) -> ThemeFit:
    """Themes of the comments' text (TF-IDF + NMF, Lee & Seung 1999), each comment joined to its strongest theme.

    Why NMF: its parts are non-negative sums of words, so each theme reads as a list of words people used, and it
    runs offline in about a second on thousands of comments. With n_themes None the number is chosen from 1 to
    `n_themes_for` by UMass coherence among fits whose themes all reach the threshold (`_fit_shown`); a number
    given is used as it is. Themes are renumbered by size; one shared by fewer than `policy.threshold` comments,
    and comments using no common word, become theme 0 (OTHER)."""
    frame = comments.reset_index(drop=True).copy()
    frame["text"] = frame["value"].fillna("").astype(str).map(scrub)
    words = frame["text"].str.replace(REMOVED, " ", regex=True).tolist()  # the notes are no one's words
    k = n_themes_for(len(frame), policy) if n_themes is None else n_themes
    fitted = _fit_shown(words, k, policy, n_terms, random_state, search=n_themes is None)
    if fitted is None:
        frame["theme"], frame["weight"] = 0, 0.0
        return ThemeFit(_no_themes(), frame, policy)
    weights, top, vocab, raw, sizes = fitted
    terms = [tuple(str(vocab[i]) for i in idx) for idx in top]
    frame["weight"] = weights[np.arange(len(frame)), raw]
    kept = [int(t) for t in sizes.index if sizes[t] >= policy.threshold]  # largest first; ties by theme order
    kept.sort(key=lambda t: (-sizes[t], t))
    number = {t: i + 1 for i, t in enumerate(kept)}
    frame["theme"] = [number.get(int(t), 0) if w > 0 else 0 for t, w in zip(raw, frame["weight"], strict=True)]
    frame.loc[frame["theme"] == 0, "weight"] = 0.0
    kept_terms = [terms[t] for t in kept]
    themes = pd.DataFrame({"theme": range(1, len(kept) + 1), "label": _labels(kept_terms), "terms": kept_terms,
                           "comments": [int(sizes[t]) for t in kept]})
    return ThemeFit(themes, frame, policy)


def _no_themes() -> pd.DataFrame:
    return pd.DataFrame({"theme": pd.Series(dtype=int), "label": pd.Series(dtype=str),
                         "terms": pd.Series(dtype=object), "comments": pd.Series(dtype=int)})


def _theme_names(fit: ThemeFit) -> dict[int, str]:
    return {0: OTHER, **dict(zip(fit.themes["theme"], fit.themes["label"], strict=True))}


def _keys(fit: ThemeFit) -> list[str]:
    """The size tables' columns: the shown themes, largest first, then OTHER."""
    return [*fit.themes["label"], OTHER]


def _grid(fit: ThemeFit, column: str) -> pd.DataFrame:
    """Raw comments per `column` value × theme (a comment with no value under NOT_PLACED / NOT_STATED)."""
    missing = NOT_PLACED if column == "ward_code" else NOT_STATED
    values = fit.assigned[column].astype(object).where(fit.assigned[column].notna(), missing).astype(str)
    grid = pd.crosstab(values, fit.assigned["theme"].map(_theme_names(fit)))
    grid = grid.reindex(columns=_keys(fit), fill_value=0).astype(float)
    grid.index.name, grid.columns.name = column, "theme"
    return grid


def _protect_jointly(fit: ThemeFit, columns: tuple[str, ...]) -> tuple[pd.Series, dict[str, pd.DataFrame]]:
    """The overall sizes and the tables by each of `columns`, protected so that every table's 'Total' row hides
    the same cells: a theme size one table shows and another hides would let a reader undo the other's
    suppression (a column total known, its one hidden ward cell follows). Hidden total-row cells are pooled
    and imposed on every table (`protect_table`'s `hidden`) until no table hides more: a fixed point, since
    hiding only grows."""
    keys = _keys(fit)
    overall = fit.assigned["theme"].map(_theme_names(fit)).value_counts().reindex(keys, fill_value=0).astype(float)
    grids = {c: _grid(fit, c) for c in columns}
    pooled: set[str] = set()
    while True:
        given = pd.Series([k in pooled for k in keys], index=keys)
        top = protect_counts(overall, fit.policy, hidden=given)
        found = set(top.index[top.isna()])
        tables = {}
        for column, grid in grids.items():
            row = pd.DataFrame([[k in found for k in [*keys, TOTAL]]], index=[TOTAL], columns=[*keys, TOTAL])
            tables[column] = protect_table(grid, fit.policy, hidden=row).values
            found |= set(tables[column].columns[tables[column].loc[TOTAL].isna()])
        if found == pooled:
            return top, tables
        pooled = found


def theme_table(fit: ThemeFit, breakdowns: tuple[str, ...] = BREAKDOWNS) -> pd.DataFrame:
    """One row per shown theme, largest first, then OTHER and 'Total': theme, label, terms, comments (protected,
    NaN where hidden: OTHER can be 1..threshold-1, and then one more is hidden so it cannot be worked out).

    Protected together with the tables by `breakdowns` (`theme_by`), so all of them hide the same sizes."""
    protected, _ = _protect_jointly(fit, breakdowns)
    terms = dict(zip(fit.themes["label"], fit.themes["terms"], strict=True))
    out = pd.DataFrame({"label": protected.index, "comments": protected.to_numpy()})
    out.insert(0, "theme", pd.array([*fit.themes["theme"], 0, None], dtype="Int64"))
    out["terms"] = [terms.get(label, ()) for label in out["label"]]
    return out[["theme", "label", "terms", "comments"]]


def theme_by(fit: ThemeFit, column: str = "ward_code", breakdowns: tuple[str, ...] = BREAKDOWNS) -> pd.DataFrame:
    """Comments per theme by `column` (ward_code, age_band or another group column): one row per value then
    'Total', one column per shown theme then OTHER and 'Total'; the whole table protected (primary and
    secondary suppression), NaN where hidden, its 'Total' row hiding what `theme_table` and the other
    `breakdowns` hide.

    A comment with no ward or age band counts under NOT_PLACED / NOT_STATED rather than being left out, so the
    table's totals equal `theme_table`'s and no hidden count is the difference of two shown ones."""
    columns = tuple(dict.fromkeys([*breakdowns, column]))
    return _protect_jointly(fit, columns)[1][column]


def _public(values: pd.Series) -> pd.Series:
    """True only where the comment was explicitly public on the portal (missing means not public)."""
    return values.map(lambda v: v is True or (isinstance(v, np.bool_) and bool(v))).astype(bool)


def quotes(fit: ThemeFit, per_theme: int = 3, limit: int = QUOTE_CHARS) -> pd.DataFrame:
    """A few representative quotes per shown theme: theme, label, quote (plain text, not escaped).

    Only comments that were public on the portal, only shown themes (at least the threshold of comments), the
    comments loading most on the theme first (NMF weight), personal details scrubbed (`scrub`), cut to `limit`
    characters, no quote repeated."""
    frame = fit.assigned[(fit.assigned["theme"] > 0) & _public(fit.assigned["public"])]
    names = _theme_names(fit)
    rows = []
    for theme, group in frame.sort_values(["theme", "weight"], ascending=[True, False], kind="stable").groupby(
            "theme", sort=True):
        seen: list[str] = []
        for text in group["text"]:
            quote = shorten(scrub(text), limit)
            if quote and quote not in seen:
                seen.append(quote)
            if len(seen) == per_theme:
                break
        rows += [{"theme": int(theme), "label": names[int(theme)], "quote": q} for q in seen]
    return pd.DataFrame(rows, columns=["theme", "label", "quote"])


__all__ = ["scrub", "shorten", "bin_points", "comment_cells", "cells_for_map", "CommentCells", "ThemeFit",
           "n_themes_for", "fit_themes", "theme_table", "theme_by", "quotes", "OTHER", "NOT_PLACED",
           "EMAIL", "PHONE", "POSTCODE"]
