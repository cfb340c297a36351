"""The data contract documents exactly the schema the ETL creates."""

from pathlib import Path

from vocabulary.schema import TABLES, ddl, markdown

DOC = Path(__file__).resolve().parent.parent / "docs" / "data-contract.md"


def test_contract_contains_generated_table_section():
    assert markdown() in DOC.read_text(encoding="utf-8"), (
        "docs/data-contract.md is out of date: paste vocabulary.schema.markdown() into its 'Output tables' section")


def test_ddl_runs_on_duckdb(tmp_path):
    from vocabulary import duck

    con = duck.connect(tmp_path / "x.duckdb")
    for table in TABLES:
        con.execute(ddl(table))
    names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert names == {t.name for t in TABLES}


def test_methods_document_every_registry_indicator():
    from geo.indicators import INDICATORS

    text = (DOC.parent / "methods.md").read_text(encoding="utf-8")
    missing = [i.label for i in INDICATORS if f"| {i.label} | {i.unit} | {i.formula} |" not in text]
    assert not missing, f"docs/methods.md lacks registry rows for {missing}"
