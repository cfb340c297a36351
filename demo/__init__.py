"""Synthetic input files for a fictional borough, "Demoborough (synthetic)".

Why this exists: the dashboard has to be demonstrated, tested and benchmarked without
real residents' data, and the ETL must be exercised on files that look *exactly* like
the ones councils download (ONS boundaries and census tables, the MHCLG Indices of
Deprivation, the ONS Postcode Directory, an engagement-portal export). So everything
here is written in the published layouts - headers, quoting, BOMs, thousands
separators and all - and the real pipeline loads it unchanged via ``demo.toml``.

Two rules shape the code:

* Determinism. Every random draw comes from ``numpy.random.default_rng`` seeded from
  the caller's seed (one independent stream per component, see ``demo.facts.rng_for``),
  and files are written with fixed line endings and float formats, so the same seed gives
  byte-identical files. Tests and screenshots can then rely on exact numbers.
* Known ground truth. Responses are biased against a few demographic groups in a few
  wards *on purpose* ("planted" under-representation, ``demo.planting``) and in no other
  way, and the plant is written to ``truth.json``. The representation analytics can be
  checked against it: planted groups should be flagged, everyone else should look fine.
  What residents said has one planted opinion difference by age on one named question, and
  a control question without one (``demo.answers``; ``truth.json`` "answers").

One module per thing made: ``geography`` (outline, OAs, LSOAs, wards; with ``landscape``
and ``clustering``), ``statistics`` and ``deprivation`` (census and IoD2019 tables),
``postcodes`` (ONSPD extract), ``assets``, ``activities``, ``planting`` and ``engagement``
(the portal export), ``answers`` (its questions, answers and PB projects), and ``borough``
(every file plus ``demo.toml``). The package imports only ``vocabulary`` of the project; the
loader (``etl``) never imports it: the command line (``etl/__main__.py``) wires the two.
"""

from demo.borough import write_demo_borough
from demo.engagement import write_engagement
from demo.planting import VISIBLE_PLANT

__all__ = ["VISIBLE_PLANT", "write_demo_borough", "write_engagement"]
