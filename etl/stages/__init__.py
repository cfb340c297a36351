"""The stages of a load, in the order etl.build runs them (like a dbt DAG, each stage reads only
what earlier stages produced, held in a `LoadContext`):

boundaries (wards, small areas and their best-fit wards) → statistics (apportioned to wards) and
deprivation → assets → engagement (generated first when the config asks for synthetic engagement;
activities, responses) → answers (PB projects, questions, answers) → postcodes (every postcode
placed along the way) → publish (indexes, meta, load history).
"""
