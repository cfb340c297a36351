"""The smooth surfaces that give the demo borough its spatial character.

Every statistic the generator writes (ethnic mix, age, deprivation) is driven by these
surfaces, so neighbouring areas look alike, as they do in real census data (Tobler's first
law); each is a Gaussian bump around a place drawn once from the seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from demo.facts import CENTRE, rng_for


@dataclass
class Landscape:
    """Smooth surfaces that give the borough its spatial character.

    A town centre (young, diverse, deprived), a few villages, a peripheral estate,
    a student quarter and two community concentrations. All statistics are driven by
    these surfaces so that neighbouring areas look alike, as they do in real data.
    """

    town: np.ndarray
    villages: np.ndarray
    estate: np.ndarray
    students: np.ndarray
    african: np.ndarray
    pakistani: np.ndarray
    field_centres: np.ndarray
    field_amplitudes: np.ndarray

    @staticmethod
    def create(seed: int) -> Landscape:
        rng = rng_for(seed, "landscape")
        cx, cy = CENTRE
        town = np.array([cx + rng.uniform(-1200, 1200), cy + rng.uniform(-900, 900)])

        def around(dist_lo: float, dist_hi: float, n: int = 1) -> np.ndarray:
            ang = rng.uniform(0, 2 * np.pi, n)
            dist = rng.uniform(dist_lo, dist_hi, n)
            return town + np.c_[dist * np.cos(ang) * 1.2, dist * np.sin(ang) * 0.9]

        african = around(1200, 2200)[0]
        # Keep the Pakistani community concentration on the other side of town.
        pk_angle = math.atan2(*(african - town)[::-1]) + np.pi + rng.uniform(-0.7, 0.7)
        pk_dist = rng.uniform(1000, 2000)
        pakistani = town + pk_dist * np.array([math.cos(pk_angle), math.sin(pk_angle)])
        return Landscape(
            town=town,
            villages=around(3000, 4200, 3),
            estate=around(2500, 3500)[0],
            students=around(500, 1000)[0],
            african=african,
            pakistani=pakistani,
            field_centres=np.c_[rng.uniform(cx - 6000, cx + 6000, 10),
                                rng.uniform(cy - 4500, cy + 4500, 10)],
            field_amplitudes=rng.normal(0, 0.35, 10),
        )

    @staticmethod
    def _bump(xy: np.ndarray, at: np.ndarray, sigma: float) -> np.ndarray:
        d2 = ((xy - at) ** 2).sum(axis=1)
        return np.exp(-d2 / (2 * sigma**2))

    def centrality(self, xy: np.ndarray) -> np.ndarray:
        return self._bump(xy, self.town, 2200)

    def student(self, xy: np.ndarray) -> np.ndarray:
        return self._bump(xy, self.students, 550)

    def african_share(self, xy: np.ndarray) -> np.ndarray:
        return self._bump(xy, self.african, 1300)

    def pakistani_share(self, xy: np.ndarray) -> np.ndarray:
        return self._bump(xy, self.pakistani, 1100)

    def deprivation(self, xy: np.ndarray) -> np.ndarray:
        z = 1.3 * self._bump(xy, self.town, 1800) + 1.0 * self._bump(xy, self.estate, 650)
        for at, amp in zip(self.field_centres, self.field_amplitudes, strict=True):
            z += amp * self._bump(xy, at, 1300)
        return z
