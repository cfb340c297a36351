"""Attribution text every screen and export that shows the reference data must carry (../shared/data/README)."""

ATTRIBUTION = ("Contains OS data © Crown copyright and database right 2014; contains National Statistics data © "
               "Crown copyright and database right; Open Government Licence v3. Boundaries via UK-GeoJSON "
               "(Martin Chorley, CC BY 4.0). Indices of Deprivation 2019: MHCLG, OGL v3. Census 2011 ethnicity: "
               "ONS via UK Data Service / MLID (Richard Harris), OGL v3. Census 2021 age: ONS, OGL v3.")
