"""Grouping small areas into larger ones: adjacency, contiguity and (balanced) k-means.

Why: the demo's LSOAs, wards, MSOAs and postcode sectors are all built by clustering output
areas, and real statistical geographies are compact, contiguous and of similar size. Plain
Lloyd k-means with a k-means++ start gives compact groups; a power-diagram variant balances
their sizes; a boundary-sharing pass makes every group one piece.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def adjacency(geoms: np.ndarray, min_shared: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i, j, shared boundary length) of polygons sharing more than a corner."""
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    bnd = shapely.boundary(geoms)
    shared = shapely.length(shapely.intersection(bnd[i], shapely.buffer(bnd[j], 0.05)))
    ok = shared > min_shared
    return i[ok], j[ok], shared[ok]


def make_contiguous(labels: np.ndarray, adj: tuple[np.ndarray, np.ndarray, np.ndarray],
                     within: np.ndarray | None = None, min_size: int = 1) -> np.ndarray:
    """Relabel units so that every group is one contiguous piece (and >= min_size units).

    Detached pieces (and undersized groups) join the neighbouring group - restricted to
    the same ``within`` parent, e.g. the same ward for LSOAs - with which they share
    the longest boundary. Real statistical geographies are contiguous; a ward in two
    pieces would also make maps look broken.
    """
    labels = labels.copy()
    n = len(labels)
    pi, pj, w = adj
    parent = np.zeros(n, dtype=int) if within is None else within
    for _ in range(5 * n):  # each pass moves one piece; this bound is never reached
        changed = False
        for g in np.unique(labels):
            idx = np.flatnonzero(labels == g)
            same = (labels[pi] == g) & (labels[pj] == g)
            graph = coo_matrix((np.ones(same.sum()), (pi[same], pj[same])), shape=(n, n))
            _, comp = connected_components(graph, directed=False)
            comps, sizes = np.unique(comp[idx], return_counts=True)
            main = comps[np.argmax(sizes)]
            movers = [c for c in comps if c != main]
            if len(idx) < min_size:
                movers = list(comps)
            for c in movers:
                members = idx[comp[idx] == c]
                inside = np.isin(pi, members) ^ np.isin(pj, members)
                other = np.where(np.isin(pi, members), pj, pi)
                ok = inside & (labels[other] != g) & (parent[other] == parent[members[0]])
                if not ok.any():
                    continue
                cand = pd.Series(w[ok]).groupby(labels[other[ok]]).sum()
                labels[members] = int(cand.idxmax())
                changed = True
            if changed:
                break
        if not changed:
            return labels
    return labels


def kmeans(x: np.ndarray, k: int, rng: np.random.Generator, iters: int = 60) -> np.ndarray:
    """Plain Lloyd k-means with k-means++ start; returns labels 0..k-1 (all non-empty)."""
    k = max(1, min(k, len(x)))
    centres = [x[rng.integers(len(x))]]
    for _ in range(1, k):
        d2 = np.min(((x[:, None, :] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
        centres.append(x[rng.choice(len(x), p=d2 / d2.sum())] if d2.sum() > 0 else x[0])
    c = np.array(centres, dtype=float)
    labels = np.zeros(len(x), dtype=int)
    for _ in range(iters):
        d2 = ((x[:, None, :] - c[None]) ** 2).sum(-1)
        new = d2.argmin(axis=1)
        for g in range(k):  # refill an emptied cluster with the worst-served point
            if not (new == g).any():
                far = int(d2[np.arange(len(x)), new].argmax())
                new[far] = g
        if np.array_equal(new, labels):
            break
        labels = new
        c = np.array([x[labels == g].mean(axis=0) for g in range(k)])
    return labels


def balanced_kmeans(x: np.ndarray, k: int, rng: np.random.Generator, tolerance: float = 0.08,
                     iters: int = 400) -> np.ndarray:
    """k-means whose clusters hold nearly equal numbers of points.

    Each cluster gets an additive weight (a power diagram), raised while it is too
    small and lowered while too large, so cells stay convex and compact. Used for
    wards, which boundary commissions keep to roughly equal electorates (+-10%).
    """
    labels = kmeans(x, k, rng)
    k = labels.max() + 1
    target = len(x) / k
    centres = np.array([x[labels == g].mean(axis=0) for g in range(k)])
    lam = np.zeros(k)
    best, best_err = labels, np.inf
    for _ in range(iters):
        d2 = ((x[:, None, :] - centres[None]) ** 2).sum(-1)
        labels = (d2 - lam).argmin(axis=1)
        sizes = np.bincount(labels, minlength=k)
        err = np.abs(sizes - target).max() / target
        if err < best_err and sizes.min() > 0:
            best, best_err = labels, err
        if err <= tolerance:
            break
        scale = np.median(d2[np.arange(len(x)), labels])
        lam += 0.2 * scale * (target - sizes) / target
        for g in range(k):
            if sizes[g]:
                centres[g] = 0.8 * centres[g] + 0.2 * x[labels == g].mean(axis=0)
    return best
