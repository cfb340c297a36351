"""Funnel plot of ward reach: people taking part per 1,000 residents against residents (Spiegelhalter 2005).

Why a funnel plot. A ward of 6,000 residents and one of 14,000 do not vary equally by chance, so a
league table or a map of rates makes small wards look extreme; Local Moran (geo.hotspots) asks a
different question (is a ward like its neighbours?) and misses a low ward among ordinary ones. The
funnel plot (Spiegelhalter 2005, "Funnel plots for comparing institutional performance", Stat Med
24:1185-1202) draws each ward's rate against its residents, with control limits around the borough
rate that narrow as the ward grows: a ward outside the 99.8% limits is unlikely to differ from the
borough by chance alone.

Method (what is computed, and why):
- Target θ₀: the borough rate, people taking part (sum over wards, as published in the 'All wards'
  row of geo.participation.rates_by_ward) ÷ residents. A ward's count y out of n residents is taken
  as Binomial(n, θ₀) when the wards differ only by chance.
- Limits without over-dispersion: **exact binomial** at p = 0.001, 0.025, 0.975 and 0.999 (95% and
  99.8%, two-sided), interpolated between the discrete quantiles as in Spiegelhalter (2005, appendix):
  with r the smallest count whose cumulative probability F(r) ≥ p, the limit is (r − α) ÷ n with
  α = (F(r) − p) ÷ (F(r) − F(r − 1)). Residents are apportioned from small areas, so n is rounded to
  a whole number for these limits.
- Over-dispersion (real differences between wards beyond chance, e.g. from who lives there): each
  shown ward's z-score z = (y/n − θ₀) ÷ √(θ₀(1 − θ₀)/n) is Winsorised — the k = ⌊0.1 · I⌋ most extreme
  at each end are set to the next value in, so a few extreme wards cannot inflate the estimate —
  and φ̂ = mean(z²) over the I wards. The wards are called over-dispersed when I·φ̂ exceeds the 95%
  point of χ² with I − 1 degrees of freedom (one spent on θ₀, estimated from the same wards).
- Limits with over-dispersion: the **additive random-effects** approach (Spiegelhalter 2005, "Handling
  over-dispersion of performance indicators", Qual Saf Health Care 14:347-351, which finds it the
  better founded of the multiplicative and additive options; DerSimonian & Laird 1986):
  τ̂² = (I·φ̂ − (I − 1)) ÷ (Σwᵢ − Σwᵢ² ÷ Σwᵢ), wᵢ = 1/sᵢ², sᵢ² = θ₀(1 − θ₀)/nᵢ, and the limits are the
  **normal approximation** θ₀ ± z_p · √(sᵢ² + τ̂²) (cut at 0), for the limits and for the flags.
- A ward below the lower 99.8% limit is "significantly low reach", above the upper one "significantly
  high reach"; between the 95% and 99.8% limits it is beyond the 95% limit only (one ward in twenty
  is expected there by chance, so it is not flagged).

Disclosure. Input is geo.participation's *protected* table, never raw counts. A ward whose count is
hidden, or whose rate is hidden (residents below min_base), has no point and no flag ("cannot tell"):
its flag would say which side of a limit the hidden count lies on. θ₀ uses only the published total;
φ̂ and τ̂² use only the shown wards, so no published figure depends on a hidden count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from geo.disclosure import TOTAL
from geo.participation import RATE_KEYS

#: Two-sided control limits: name → (lower p, upper p).
LIMITS = {"95": (0.025, 0.975), "99.8": (0.001, 0.999)}
#: Share of wards Winsorised at each end before estimating over-dispersion.
WINSOR = 0.10
#: Significance of the χ² test for over-dispersion.
DISPERSION_ALPHA = 0.05

LOW, HIGH = "significantly low reach", "significantly high reach"
LOW_95, HIGH_95 = "low (beyond the 95% limit only)", "high (beyond the 95% limit only)"
WITHIN = "within the limits"
HIDDEN = "cannot tell (hidden)"
NO_BASE = "not tested (too few residents)"
NO_RATE = "not tested (no one took part in the borough)"
#: The flag a script reads (reach.csv): 'low' / 'high' beyond the 99.8% limits, else empty.
FLAGS = {LOW: "low", HIGH: "high"}
#: Order of the statuses in tables: the committee's questions first.
STATUS_ORDER = [LOW, HIGH, LOW_95, HIGH_95, WITHIN, HIDDEN, NO_BASE, NO_RATE]
LIMIT_COLUMNS = ["lower_998", "lower_95", "upper_95", "upper_998"]


@dataclass(frozen=True)
class Funnel:
    """A funnel plot's content.

    wards: ward_code, ward_name, residents, count (protected; NaN = hidden), per_1000 (NaN = no point),
      z (normal z-score against θ₀, with τ² when over-dispersed), lower_998, lower_95, upper_95, upper_998
      (per 1,000 at the ward's residents), status (one of STATUS_ORDER), flag ('low', 'high' or '').
    lines: residents and the four limits per 1,000 on a grid spanning the wards, for drawing.
    borough_rate: θ₀ per 1,000. phi: Winsorised φ̂. tau: τ̂ per 1,000 (0 when not over-dispersed).
    statistic, critical: I·φ̂ and the χ² point it is compared with. wards_used: I (shown wards).
    method: 'exact binomial' or 'normal approximation with additive random effects (τ²)'.
    """

    wards: pd.DataFrame
    lines: pd.DataFrame
    borough_rate: float
    phi: float
    tau: float
    overdispersed: bool
    statistic: float
    critical: float
    wards_used: int
    method: str


def binomial_limit(n, theta: float, p: float) -> np.ndarray:
    """Exact binomial p-quantile of y/n under Binomial(n, θ), interpolated (Spiegelhalter 2005, appendix)."""
    n = np.rint(np.asarray(n, dtype=float))
    r = stats.binom.ppf(p, n, theta)
    at_r, below_r = stats.binom.cdf(r, n, theta), stats.binom.cdf(r - 1, n, theta)
    step = at_r - below_r
    alpha = np.divide(at_r - p, step, out=np.zeros_like(step), where=step > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, (r - alpha) / n, np.nan)


def normal_limit(n, theta: float, p: float, tau2: float = 0.0) -> np.ndarray:
    """θ + z_p · √(θ(1 − θ)/n + τ²), cut to [0, 1]: the normal approximation, with additive over-dispersion."""
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(np.where(n > 0, theta * (1 - theta) / n, np.nan) + tau2)
    return np.clip(theta + stats.norm.ppf(p) * sd, 0.0, 1.0)


def winsorise(z: np.ndarray, share: float = WINSOR) -> np.ndarray:
    """Set the ⌊share · I⌋ smallest and largest values to the next value in (none when that is 0)."""
    z = np.asarray(z, dtype=float)
    k = int(np.floor(share * len(z)))
    if k == 0:
        return z.copy()
    ordered = np.sort(z)
    return np.clip(z, ordered[k], ordered[len(z) - 1 - k])


def overdispersion(counts, residents, theta: float, share: float = WINSOR,
                   alpha: float = DISPERSION_ALPHA) -> dict:
    """φ̂ from Winsorised z-scores, the χ² test, and the additive τ̂² (module docstring).

    Returns {phi, statistic, critical, overdispersed, tau2, wards}; tau2 is 0 when not over-dispersed.
    Fewer than three wards, or θ₀ of 0 or 1: no test (not over-dispersed).
    """
    y, n = np.asarray(counts, dtype=float), np.asarray(residents, dtype=float)
    wards = len(y)
    out = {"phi": np.nan, "statistic": np.nan, "critical": np.nan, "overdispersed": False, "tau2": 0.0,
           "wards": wards}
    if wards < 3 or not 0 < theta < 1:
        return out
    s2 = theta * (1 - theta) / n
    z = winsorise((y / n - theta) / np.sqrt(s2), share)
    phi = float(np.mean(z ** 2))
    statistic, critical = wards * phi, float(stats.chi2.ppf(1 - alpha, wards - 1))
    out.update(phi=phi, statistic=statistic, critical=critical, overdispersed=bool(statistic > critical))
    if out["overdispersed"]:
        w = 1 / s2
        out["tau2"] = max(0.0, (statistic - (wards - 1)) / (w.sum() - (w ** 2).sum() / w.sum()))
    return out


def _limits(n, theta: float, tau2: float, exact: bool, per: float) -> dict[str, np.ndarray]:
    """The four limits per `per` at residents n (exact binomial, or normal with τ²)."""
    out = {}
    for name, (lo, hi) in LIMITS.items():
        key = name.replace(".", "")
        for side, p in (("lower", lo), ("upper", hi)):
            value = binomial_limit(n, theta, p) if exact else normal_limit(n, theta, p, tau2)
            out[f"{side}_{key}"] = value * per
    return out


def _statuses(out: pd.DataFrame, published: pd.Series, shown: pd.Series, testable: bool) -> np.ndarray:
    """Each ward's status: hidden count first, then too few residents, then its place against the limits."""
    rate = out["per_1000"]
    if not testable:
        return np.where(published, NO_RATE, HIDDEN)
    return np.select(
        [~published, ~shown, rate < out["lower_998"], rate > out["upper_998"], rate < out["lower_95"],
         rate > out["upper_95"]],
        [HIDDEN, NO_BASE, LOW, HIGH, LOW_95, HIGH_95], default=WITHIN)


def _line_grid(residents: pd.Series) -> np.ndarray:
    """Whole numbers of residents, evenly spaced on a log scale, from a little below the smallest ward to a
    little above the largest (so the limits are drawn across every point)."""
    positive = residents[residents > 0]
    if positive.empty:
        return np.array([], dtype=float)
    low, high = max(1.0, 0.8 * positive.min()), 1.1 * positive.max()
    return np.unique(np.rint(np.geomspace(low, high, 200)))


def funnel(rates: pd.DataFrame, kind: str = "respondents", per: float = 1000.0, share: float = WINSOR) -> Funnel:
    """The funnel plot of `kind` per `per` residents from geo.participation.rates_by_ward / reach (protected).

    rates: ward_code, ward_name, residents, `kind` (protected count, NaN = hidden), its rate per 1,000
    (NaN = hidden or base too small) and the 'Total' row. Returns a Funnel (module docstring for the method).
    """
    wards = rates[rates["ward_code"] != TOTAL].reset_index(drop=True)
    total = rates[rates["ward_code"] == TOTAL]
    count, residents = wards[kind].astype(float), wards["residents"].astype(float)
    shown = count.notna() & wards[RATE_KEYS[kind]].notna() & (residents > 0)
    total_count = float(total[kind].iloc[0]) if len(total) else np.nan
    total_residents = float(total["residents"].iloc[0]) if len(total) else float(residents.sum())
    if np.isnan(total_count):  # the total is hidden: the shown wards are all that is published
        total_count, total_residents = float(count[shown].sum()), float(residents[shown].sum())
    theta = total_count / total_residents if total_residents > 0 else np.nan
    test = overdispersion(count[shown], residents[shown], theta, share)
    exact = not test["overdispersed"]
    at_wards = _limits(residents.to_numpy(), theta, test["tau2"], exact, per)
    out = pd.DataFrame({"ward_code": wards["ward_code"], "ward_name": wards["ward_name"], "residents": residents,
                        "count": count, "per_1000": (count / residents * per).where(shown)})
    for key, values in at_wards.items():
        out[key] = values
    sd = np.sqrt(theta * (1 - theta) / residents.where(residents > 0) + test["tau2"]) * per
    out["z"] = (out["per_1000"] - theta * per) / sd
    out["status"] = _statuses(out, count.notna(), shown, 0 < theta < 1)
    out["flag"] = out["status"].map(FLAGS).fillna("")
    grid = _line_grid(residents[shown] if shown.any() else residents)
    lines = pd.DataFrame({"residents": grid, **_limits(grid, theta, test["tau2"], exact, per)})
    return Funnel(wards=out, lines=lines, borough_rate=theta * per, phi=test["phi"],
                  tau=float(np.sqrt(test["tau2"]) * per), overdispersed=test["overdispersed"],
                  statistic=test["statistic"], critical=test["critical"], wards_used=test["wards"],
                  method="exact binomial" if exact else "normal approximation with additive random effects (τ²)")


def method_sentence(result: Funnel) -> str:
    """One plain sentence on how the limits were drawn, for captions and the report."""
    base = (f"Control limits at 95% and 99.8% around the borough rate ({result.borough_rate:,.1f} per 1,000), "
            "Spiegelhalter (2005). ")
    if not result.borough_rate > 0:
        return "No one took part in the borough with these filters, so no ward is compared with it."
    if np.isnan(result.phi):
        return base + "Exact binomial limits (too few wards shown to test for over-dispersion)."
    if not result.overdispersed:
        return base + (f"Exact binomial limits: the {result.wards_used} wards shown vary no more than chance allows "
                       f"(Winsorised φ = {result.phi:.2f}; χ² test, 5%).")
    return base + (f"The {result.wards_used} wards shown vary more than chance allows (Winsorised φ = "
                   f"{result.phi:.2f}), so the limits allow for real differences between wards: additive random "
                   f"effects, τ = {result.tau:.1f} per 1,000, normal approximation (Spiegelhalter 2005, Qual Saf "
                   "Health Care).")
