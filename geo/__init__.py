"""Plain analysis functions on DataFrames and GeoDataFrames (no Streamlit, no SQL)."""
