"""Postcodes: every postcode placed during the load (assets, responses), stored once each.

Only the postcodes the council's files use are kept, not the whole directory, so the
database stays small and the dashboard's postcode lookups stay quick.
"""

from __future__ import annotations

import pandas as pd

from etl.reports import SourceReport
from etl.stages.context import LoadContext, insert


def store_postcodes(ctx: LoadContext) -> None:
    """Write the distinct placed postcodes into postcodes, and report the directory they came from."""
    if not ctx.placed_postcodes:
        return
    frame = pd.concat(ctx.placed_postcodes, ignore_index=True).drop_duplicates("postcode")
    insert(ctx.con, "postcodes", frame)
    if ctx.directory.file:
        ctx.report(SourceReport("postcodes", ctx.directory.file, rows_read=ctx.directory.rows_read,
                                rows_loaded=len(frame), source=ctx.directory.source))
