"""Benchmark: the ward × group representation test (geo.representation.representation_matrix) for all of England.

    python bench/representation.py [--wards 7681] [--sample 100] [--runs 3] [--seed 20260101]

Input: a synthetic England, generated here with numpy (seeded): --wards wards of 5,000–15,000
residents, each dimension's census groups with Dirichlet shares (age 6 bands, sex 2, disability 3,
ethnicity 18), and respondents per ward from a wide log-normal (median ~33, so many wards have
counts below 10 and take the 'bounds' path), split over the groups in proportion with noise and a
Not stated share. No database, no real figures.

Each row, one dimension:
  old s  the per-ward path (geo.representation.ward_representation called for each ward, which protects
         the whole wards × groups table every time), timed on the first --sample wards and scaled to all wards;
  new s  representation_matrix on all wards (median of --runs);
  same   whether the new rows equal the old ones on the sampled wards (to 1e-12, NaNs and flags alike).
Then the error rate with no bias (issue 10): --null-tables tables of 5 groups (60–400 respondents each, drawn
in proportion, 5% Not stated, protected as one table) and the share of them in which any group is flagged,
in either direction, against the stated 5%. Prints a table; the last line is a one-line summary.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project root

from bench.common import code_version, format_table  # noqa: E402

COLUMNS = ["ward_code", "group", "respondents", "index", "index_low", "index_high", "p_value", "p_adjusted",
           "under_represented", "test_basis", "flag", "over_represented", "index_min", "index_max", "status"]


def synthetic_england(n_wards: int, seed: int):
    """(population, {dimension: respondent groups}, ward codes) for a made-up England (see the docstring)."""
    import numpy as np
    import pandas as pd

    from vocabulary import AGE_BANDS, NOT_STATED

    rng = np.random.default_rng(seed)
    dimensions = {"age": list(AGE_BANDS), "sex": ["Female", "Male"],
                  "disability": ["Disabled: limited a lot", "Disabled: limited a little", "Not disabled"],
                  "ethnicity": [f"Ethnic group {i:02d}" for i in range(1, 19)]}
    codes = np.array([f"E05{i:06d}" for i in range(n_wards)], dtype=object)
    residents = rng.integers(5_000, 15_001, n_wards)
    respondents = rng.poisson(np.exp(rng.normal(3.5, 1.2, n_wards)))
    pops, groups = [], {}
    for dimension, cats in dimensions.items():
        k = len(cats)
        concentration = np.full(k, 8.0) if k < 10 else np.geomspace(20, 0.3, k)  # ethnicity: few large groups
        shares = rng.dirichlet(concentration, n_wards)
        persons = rng.multinomial(residents, shares)
        pops.append(pd.DataFrame({"ward_code": np.repeat(codes, k), "dimension": dimension,
                                  "category": np.tile(np.array(cats, dtype=object), n_wards),
                                  "persons": persons.ravel()}))
        response_shares = np.concatenate([shares * rng.lognormal(0, 0.3, shares.shape),
                                          rng.uniform(0.02, 0.12, (n_wards, 1))], axis=1)
        response_shares /= response_shares.sum(axis=1, keepdims=True)
        counts = rng.multinomial(respondents, response_shares)
        frame = pd.DataFrame({"ward_code": np.repeat(codes, k + 1),
                              "category": np.tile(np.array(cats + [NOT_STATED], dtype=object), n_wards),
                              "respondents": counts.ravel()})
        groups[dimension] = frame[frame["respondents"] > 0].reset_index(drop=True)
    return pd.concat(pops, ignore_index=True), groups, list(codes)


def per_ward(population, groups, codes, dimension, policy):
    """The per-ward path: geo.representation.ward_representation for each ward in turn."""
    import pandas as pd

    from geo import representation as rp

    frames = [rp.ward_representation(population, groups, code, dimension, policy).query("kind == 'group'")
              .assign(ward_code=code) for code in codes]
    return pd.concat(frames, ignore_index=True)[COLUMNS]


def same(fast, slow) -> bool:
    import pandas as pd

    try:
        pd.testing.assert_frame_equal(fast.reset_index(drop=True), slow, check_exact=False, rtol=1e-12, atol=0.0)
    except AssertionError:
        return False
    return True


def null_flag_rate(n_tables: int, seed: int) -> float:
    """Share of unbiased tables with any group flagged under or over (the same draw as
    tests/test_representation_eligible.py's null_flag_rate)."""
    import numpy as np
    import pandas as pd

    from geo import representation as rp
    from geo.disclosure import DisclosurePolicy
    from vocabulary import NOT_STATED

    rng = np.random.default_rng(seed)
    shares = np.array([0.35, 0.25, 0.2, 0.12, 0.08])
    cats = [f"g{i}" for i in range(len(shares))]
    codes = [f"T{i:04d}" for i in range(n_tables)]
    pop = pd.DataFrame({"ward_code": np.repeat(codes, len(cats)), "dimension": "x",
                        "category": np.tile(cats, n_tables), "persons": np.tile(shares * 10000, n_tables)})
    counts = rng.multinomial(rng.integers(60, 401, n_tables), np.append(shares * 0.95, 0.05))
    groups = pd.DataFrame({"ward_code": np.repeat(codes, len(cats) + 1),
                           "category": np.tile(cats + [NOT_STATED], n_tables), "respondents": counts.ravel()})
    matrix = rp.representation_matrix(pop, groups[groups["respondents"] > 0], codes, "x", DisclosurePolicy())
    return float(matrix.groupby("ward_code")["flag"].apply(lambda f: (f != "").any()).mean())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wards", type=int, default=7681)
    parser.add_argument("--sample", type=int, default=100, help="wards timed on the old per-ward path")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--null-tables", type=int, default=1000, help="unbiased tables for the error rate")
    args = parser.parse_args(argv)

    from geo import representation as rp  # imported before timing: it loads scipy.stats
    from geo.disclosure import DisclosurePolicy

    policy = DisclosurePolicy()
    population, groups, codes = synthetic_england(args.wards, args.seed)
    sample = codes[: args.sample]
    rows, worst_new, worst_old, all_same = [], 0.0, 0.0, True
    for dimension, grp in groups.items():
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            fast = rp.representation_matrix(population, grp, codes, dimension, policy)
            times.append(time.perf_counter() - t)
        new = statistics.median(times)
        t = time.perf_counter()
        slow = per_ward(population, grp, sample, dimension, policy)
        old = (time.perf_counter() - t) / len(sample) * len(codes)
        ok = same(fast.loc[fast["ward_code"].isin(set(sample)), COLUMNS], slow)
        all_same &= ok
        worst_new, worst_old = max(worst_new, new), max(worst_old, old)
        basis = fast["test_basis"].value_counts()
        rows.append([dimension, f"{len(codes):,}", str(fast["group"].nunique()),
                     f"{basis.get('count', 0):,}", f"{basis.get('bounds', 0):,}",
                     f"{int(fast['under_represented'].sum()):,} / {int(fast['over_represented'].sum()):,}",
                     f"{old:,.1f}", f"{new:.3f}",
                     f"{old / new:,.0f}x", "yes" if ok else "NO"])
    print(f"synthetic England: {len(codes):,} wards, seed {args.seed}; old path timed on {len(sample)} wards "
          "and scaled to all; new path median of "
          f"{args.runs} runs on all wards")
    print(format_table(["dimension", "wards", "groups", "count rows", "bounds rows", "flagged under / over",
                        "old s (scaled)", "new s", "speed-up", "same"], rows,
                       [False, True, True, True, True, True, True, True, True, False]))
    rate = null_flag_rate(args.null_tables, args.seed)
    print(f"with no bias: {rate:.1%} of {args.null_tables:,} tables flag any group (under or over; stated: at most 5%)")
    print(f"representation bench ({code_version()}): all {len(codes):,} wards in at most {worst_new:.2f} s per "
          f"dimension (was ~{worst_old:,.0f} s ward by ward); same rows as the per-ward path on the "
          f"{len(sample)} sampled wards: {'yes' if all_same else 'NO'}; no-bias flag rate {rate:.1%}")
    return 0 if all_same and rate <= 0.05 else 1


if __name__ == "__main__":
    raise SystemExit(main())
