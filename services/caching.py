"""The cache for analyses: data_access.cached, with the disclosure policy resolved first.

An analysis takes `policy=None` to mean the policy set for this process
(geo.disclosure.DisclosurePolicy.from_env: WARDSCOPE_DISCLOSURE_*). It is filled in, and every
default applied, before the cache is consulted, so `f(flt)` and `f(flt, policy=<the same policy>)`
share one entry.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TypeVar

import data_access as da
from geo.disclosure import DisclosurePolicy

F = TypeVar("F", bound=Callable)


def analysis(func: F | None = None, *, max_entries: int | None = None) -> F | Callable[[F], F]:
    """Decorator: cache an analysis per database version and arguments, with `policy=None` resolved."""
    def decorate(f: F) -> F:
        in_cache = da.cached(max_entries=max_entries)(f)
        signature = inspect.signature(f)

        @functools.wraps(f)
        def call(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            if "policy" in bound.arguments and bound.arguments["policy"] is None:
                bound.arguments["policy"] = DisclosurePolicy.from_env()
            return in_cache(*bound.args, **bound.kwargs)

        call.clear = in_cache.clear
        return call  # type: ignore[return-value]

    return decorate(func) if func is not None else decorate


def ward_name_lookup() -> dict[str, str]:
    """ward_code → ward name, in the wards' name order."""
    wards = da.wards()
    return dict(zip(wards["ward_code"], wards["ward_name"], strict=True))
