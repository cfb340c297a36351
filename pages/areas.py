"""Areas: the planner groups wards into areas, checks them, asks for proposals, saves and compares schemes,
and splits a budget between areas and wards."""

import json
from urllib.parse import quote

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import data_access as da
import services as sv
import ui
from geo import areas, areas_compare, budgets, indicators
from geo import proposals as gprop
from geo.areas_lookup import areas_geojson, lookup_from_csv
from geo.disclosure import DisclosurePolicy
from render import maps, report, tables, ward_map
from render.csv_export import lookup_to_csv, safe_csv
from services import assets as asset_register
from services import said
from services.area_builder import SCHEME_KIND, AreaBuilder

ui.header("Areas", "Group wards into areas for area-based working")
policy = DisclosurePolicy.from_env()
flt = ui.engagement_filter()
wards = da.wards()
wards_bng = da.ward_geometry_bng()
residents = indicators.residents(da.population())
codes = list(wards["ward_code"])
names = dict(zip(wards["ward_code"], wards["ward_name"], strict=True))
values = sv.indicator_values(flt, policy)
builder = AreaBuilder(st.session_state, codes)  # the scheme being built and its undo list, kept in session state
KIND = SCHEME_KIND


def saved() -> pd.DataFrame:
    return da.saved_items(KIND)


def saved_scheme(name: str) -> dict | None:
    """The saved scheme `name` (ward → area), None when there is none (a link to a deleted scheme); one read of
    the workspace."""
    payloads = saved().set_index("name")["payload"]
    return json.loads(payloads[name])["assignment"] if name in payloads.index else None


links = sv.ward_crossings()
top = st.columns(2)
n_areas = int(top[0].number_input("Areas in the starting grouping", min_value=2,
                                  max_value=max(2, min(12, len(wards))), value=min(6, len(wards)), step=1))
suggested, start = sv.starting_scheme(n_areas)
tolerance = float(top[1].number_input("Population range: mean area ± (%)", min_value=1.0, max_value=50.0,
                                      value=suggested, step=1.0,
                                      help="Areas whose residents are outside this range are flagged; proposals "
                                           "keep every area inside it. It starts at ±10% (the Boundary "
                                           "Commission's guide for wards) or, when the wards cannot be grouped "
                                           "that evenly, the narrowest of ±15%, ±20% and ±25% they allow."))
if suggested > gprop.STANDARD_RANGES[0]:
    top[1].caption(f"Starts at ±{suggested:g}%: the starting grouping of these wards into {n_areas} areas cannot keep "
                   f"every area within ±{gprop.STANDARD_RANGES[0]:g}% of the mean.")
builder.start(n_areas, start)
asked = st.query_params.get("scheme")
if not builder.follow(asked, saved_scheme):
    st.session_state["areas_missing_scheme"] = asked  # said on every run while the link asks for it, not once
if asked and st.session_state.get("areas_missing_scheme") == asked and saved_scheme(asked) is None:
    st.warning(f"There is no saved scheme called '{ui.plain(asked)}': the starting grouping into {n_areas} areas is "
               "shown instead. Open another under Saved schemes, or save this one under that name.",
               icon=":material/warning:")
if builder.current_name:
    st.caption(f"Working on the saved scheme **{ui.plain(builder.current_name)}** (changes are not saved until you "
               "save).")

scheme = pd.Series(builder.scheme).reindex(codes)

st.caption("The starting grouping is a suggestion to edit, not a recommendation: it starts from the wards farthest "
           "apart and grows each area over neighbouring wards, keeping residents roughly even. To move a ward, "
           "type an area's name in the Area column (a new name makes a new area), or choose an area below the map "
           "and click the ward on the map. See Proposals for schemes worked out automatically.")
left, right = st.columns([2, 3])
with left:
    edited = st.data_editor(
        wards.set_index("ward_code")[["ward_name"]].rename(columns={"ward_name": "Ward"}).assign(Area=scheme),
        hide_index=True, width="stretch", height=520, key=builder.editor_key,
        column_config={"Ward": st.column_config.TextColumn("Ward", disabled=True),
                       "Area": st.column_config.TextColumn("Area", help="Name of the area this ward belongs to",
                                                           required=True, max_chars=40)})
typed = edited["Area"].astype(object).where(edited["Area"].notna(), "").astype(str).str.strip()
if builder.edit_table(typed.to_dict()):  # the editor already shows the change: no new key needed
    scheme = typed.reindex(codes)
assignment = scheme
with right:
    area_names = maps.natural_sorted([a for a in assignment.unique() if a])
    if (painted := builder.paint_after_click(area_names)) is not None:  # keep painting into a click's new area
        st.session_state["areas_paint"] = painted
    paint = st.selectbox("Clicking a ward on the map puts it in", [*area_names, "A new area…"], key="areas_paint")
    if paint == "A new area…":
        paint = st.text_input("Name of the new area", value=f"Area {len(area_names) + 1}", key="areas_new_name")
    frame = wards.assign(area=wards["ward_code"].map(assignment).fillna(areas.NO_AREA).replace("", areas.NO_AREA))
    state = st_folium(maps.category_map(frame, "area", "Area", {"ward_name": "Ward", "area": "Area"}), height=480,
                      width="100%", returned_objects=maps.CLICK_OBJECTS, key=builder.map_key)
    if builder.click(maps.clicked_ward(state), maps.click_id(state), paint):
        st.rerun()
if st.button("Undo the last change", icon=":material/undo:", disabled=not builder.can_undo, key="areas_undo"):
    builder.undo()
    st.rerun()

summary = sv.scheme_summary(assignment, flt, policy)  # cached per scheme (services.areas)
check = sv.scheme_check(assignment, tolerance)
mix = sv.scheme_mix(assignment, flt, policy)

st.header("The areas")
ui.table(tables.area_table(summary, policy))
for problem in areas.scheme_problems(check, names, tolerance):
    st.warning(problem, icon=":material/warning:")
if not links.empty:
    st.caption("Some wards share no boundary with the rest of the map (water between them), so these pairs count as "
               "neighbours across the narrowest gap: " + "; ".join(
                   f"{names.get(a, a)} – {names.get(b, b)} ({d:,.0f} m)" for a, b, d in links.itertuples(index=False))
               + ".")
detail = check.merge(mix, on="area", how="left")
ui.table(pd.DataFrame({
    "Area": detail["area"],
    "Within ±" + f"{tolerance:g}%": detail["within_tolerance"].map({True: "yes", False: "no"}),
    "Wards cut off from the rest": detail["breaking"].map(lambda b: ", ".join(names.get(c, c) for c in b)),
    "Compactness (Polsby–Popper, 0–1)": detail["compactness"].round(2),
    "Average deprivation rank (1 = most deprived)": detail["imd_mean_rank"].round(0),
    "Neighbourhoods in England's most deprived 20% (%)": detail["pct_lsoas_most_deprived"].round(0),
    "Children (%)": detail["pct_under_16"].round(1),
    "Older people (%)": detail["pct_65_plus"].round(1),
    "Ethnic groups other than White British (%)": detail["pct_minority_ethnic"].round(1),
    "Community assets": detail["assets"] if asset_register.loaded() else "no register loaded",
}))
st.caption("Contiguous: every ward of the area can be reached from every other without leaving the area; wards that "
           "meet only at a corner count as neighbours (queen contiguity, measured on full-resolution boundaries in "
           "British National Grid). Deviation: the area's residents compared with the mean of the areas. "
           "Compactness: Polsby–Popper score (4π × area ÷ perimeter²) of the area's boundary, 1 for a circle. "
           "Deprivation and mix: ward figures averaged over the area, weighted by residents (rank 1 = most deprived "
           "of England's 32,844 neighbourhoods). Responses from residents of the area's wards; an area's count is "
           f"hidden when it is below {policy.threshold} or when any of its wards' counts is hidden, so that ward "
           f"counts cannot be worked out by subtraction. {ui.filter_summary(flt)}.")

down = st.columns(3)
down[0].download_button("Download the ward → area lookup (CSV)", lookup_to_csv(assignment, wards).encode("utf-8"),
                        file_name="wardscope-areas.csv", mime="text/csv", icon=":material/download:")
down[1].download_button("Download the area boundaries (GeoJSON)",
                        lambda: areas_geojson(assignment, wards_bng, residents).encode("utf-8"),
                        file_name="wardscope-areas.geojson", mime="application/geo+json", icon=":material/download:")
with down[2].popover("Import a lookup (CSV)", icon=":material/upload:"):
    upload = st.file_uploader("Ward → area lookup: columns ward_code and area", type=["csv"], key="areas_upload")
    if upload is not None and st.button("Use this lookup", key="areas_use_upload"):
        try:
            builder.use_lookup(lookup_from_csv(upload.getvalue(), codes).to_dict())
            st.rerun()
        except ValueError as problem:
            st.error(f"The lookup {upload.name} was not used: {problem}")


def proposals() -> None:
    """Alternative schemes worked out automatically, on request, and opening one in the builder."""
    st.markdown("Alternative schemes worked out automatically: areas of similar wards (SKATER and AZP "
                "regionalisation on children, older people, ethnic mix and deprivation), each kept contiguous and "
                f"moved into the population range (mean ± {tolerance:g}%) by local moves or ReCom steps, ranked by a "
                "score: largest deviation ÷ range + dissimilarity inside areas + (1 − mean compactness); lower is "
                "better.")
    k = int(st.number_input("Number of areas", min_value=2, max_value=max(2, min(12, len(wards))),
                            value=min(gprop.DEFAULT_K, len(wards)), step=1, key="areas_k"))
    if st.button("Work out proposals", icon=":material/auto_awesome:", key="areas_propose"):
        z = gprop.similarity_features(values, codes)
        with st.spinner("Working out proposals…"):
            found = gprop.propose(wards_bng, residents, z, k, tolerance, alternatives=gprop.ALTERNATIVES)
        builder.keep_proposals(found, k, tolerance)
    found = builder.proposals  # None before any were asked for
    if found == []:
        st.info("No scheme met the population range with contiguous areas: widen the range or change the number "
                "of areas.")
    if found:
        k_for, tol_for = builder.proposals_for
        st.caption(f"{len(found)} proposal(s) for {k_for} areas within ±{tol_for:g}%."
                   + (f" Fewer than {gprop.ALTERNATIVES} different schemes of contiguous areas were found within "
                      "this range for these wards (some wards are a large share of an area): a wider range, or "
                      "another number of areas, gives more to choose from." if len(found) < gprop.ALTERNATIVES
                      else ""))
        ui.table(gprop.proposals_table(found))
        pick = st.selectbox("Proposal", [p.name for p in found], key="areas_pick")
        if st.button("Open in the builder", icon=":material/edit:", key="areas_open_proposal"):
            builder.open_proposal(next(p for p in found if p.name == pick))
            st.rerun()


def saved_schemes() -> None:
    """Save the scheme being built; open, duplicate, delete, rename or link to a saved one."""
    items = saved()
    name = st.text_input("Save the scheme being built as", value=builder.current_name or "",
                         key="areas_save_name")
    if st.button("Save", icon=":material/save:", key="areas_save"):
        try:
            da.save_item(KIND, name, {"assignment": assignment.to_dict(), "tolerance": tolerance},
                         replace=builder.saves_over(name))
            builder.saved_as(name)
            st.success(f"Saved as '{name.strip()}'.")
            items = saved()
        except ValueError as problem:
            st.error(str(problem))
    if items.empty:
        st.info("No saved schemes yet.")
    else:
        ui.table(pd.DataFrame({"Scheme": items["name"], "Last saved": items["updated_at"].astype(str).str[:16],
                               "Link": ["?scheme=" + n for n in items["name"]]}))
        chosen = st.selectbox("Saved scheme", list(items["name"]), key="areas_saved_pick")
        st.markdown(f"Link to this scheme: [`?scheme={chosen}`](?scheme={quote(chosen)})")
        cols = st.columns(4)
        if cols[0].button("Open", key="areas_open_saved"):
            builder.open_saved(chosen, saved_scheme(chosen))
            st.query_params["scheme"] = chosen
            st.rerun()
        if cols[1].button("Duplicate", key="areas_duplicate"):
            da.duplicate_item(KIND, chosen)
            st.rerun()
        if cols[2].button("Delete", key="areas_delete"):
            da.delete_item(KIND, chosen)
            st.rerun()
        new_name = cols[3].text_input("Rename to", key="areas_rename_to", label_visibility="collapsed",
                                      placeholder="New name")
        if cols[3].button("Rename", key="areas_rename"):
            try:
                da.rename_item(KIND, chosen, new_name)
                builder.renamed(chosen, new_name)
                st.rerun()
            except ValueError as problem:
                st.error(str(problem))


def compare_schemes() -> None:
    """Two schemes side by side: their checks and the wards in a different area."""
    options = ["The scheme being built", *saved()["name"]]
    c1, c2 = st.columns(2)
    first = c1.selectbox("First scheme", options, key="areas_cmp_a")
    second = c2.selectbox("Second scheme", options, index=min(1, len(options) - 1), key="areas_cmp_b")

    def scheme_of(label: str) -> pd.Series:
        if label == options[0]:
            return assignment
        return pd.Series(saved_scheme(label)).reindex(codes)

    a, b = scheme_of(first), scheme_of(second)
    ui.table(areas_compare.compare_figures(sv.scheme_check(a, tolerance), sv.scheme_check(b, tolerance)))
    moved = areas_compare.moved_wards(a, b, names)
    st.markdown(f"**{len(moved)} ward(s) in a different area**" + (":" if len(moved) else "."))
    if len(moved):
        ui.table(moved)


def budgets_and_pilot() -> None:
    """A budget split between areas and wards, and the area best suited to a participatory-budgeting pilot."""
    b1, b2 = st.columns(2)
    total_text = b1.text_input("Total budget (£)", value="100,000.00", key="areas_budget_total")
    formula = b2.radio("Split by", list(budgets.FORMULAS), format_func=budgets.FORMULAS.get, horizontal=True,
                       key="areas_budget_formula")
    blend = None
    if formula == "blend":
        s1, s2, s3 = st.columns(3)
        blend = {"equal": s1.slider("Equal (%)", 0, 100, 20, key="areas_blend_equal"),
                 "per_resident": s2.slider("Per resident (%)", 0, 100, 50, key="areas_blend_res"),
                 "deprivation": s3.slider("Deprivation-weighted (%)", 0, 100, 30, key="areas_blend_dep")}
    try:
        pence = budgets.to_pence(total_text)
        named = assignment[assignment.fillna("").astype(str).str.strip() != ""]
        by_area, by_ward = budgets.allocate(pence, named, residents, values["imd_mean_rank"], formula, blend)
        st.caption(f"{budgets.format_pounds(pence)} split {budgets.FORMULAS[formula].lower()}; amounts are whole "
                   "pence and add up exactly to the total (largest-remainder rounding). Need = (32,845 − average "
                   "deprivation rank) ÷ 32,844: 1 for England's most deprived neighbourhood.")
        area_table = tables.allocation_table(by_area, "area")
        ward_table = tables.allocation_table(by_ward, "ward_code", names)
        ui.table(area_table)
        with st.expander("By ward"):
            ui.table(ward_table)
        st.download_button("Download the allocation by ward (CSV)", safe_csv(ward_table).encode("utf-8"),
                           file_name="wardscope-budget.csv", mime="text/csv", icon=":material/download:")
    except ValueError as problem:
        st.error(str(problem))

    st.markdown("**Early-adopter area for a participatory-budgeting pilot**")
    pilot = summary[~summary["area"].isin([areas.ALL_AREAS, areas.NO_AREA])].merge(mix, on="area")
    ui.table(pd.DataFrame({
        "Area": pilot["area"], "Residents": pilot["residents"].map(lambda v: f"{v:,.0f}"),
        "Responses per 1,000 residents": pilot["responses_per_1000"].map(
            lambda v: "hidden or n/a" if pd.isna(v) else f"{v:,.1f}"),
        "Average deprivation rank (1 = most deprived)": pilot["imd_mean_rank"].round(0),
        "Community assets per 1,000 residents": pilot["assets_per_1000"].round(2) if asset_register.loaded()
        else "no register loaded"}))
    st.caption("A pilot learns most where reach is low but there are community assets to work through; "
               "a higher need makes the case for investment."
               + ("" if asset_register.loaded() else " No community asset register is loaded, so assets are left "
                  "out of this table (not counted as none)."))


def area_profile() -> None:
    """One area of the scheme profiled as a ward is: its wards added together."""
    st.header("Area profile")
    st.caption("Each area gets the ward profile, with its wards added together (rates hidden when any of the area's "
               "wards has a hidden count). The full ward profile page has the same sections for each ward.")
    named = {k: v for k, v in assignment.items() if v and v != areas.NO_AREA}
    profile_areas = maps.natural_sorted(set(named.values()))
    if not profile_areas:
        st.info("No ward is in an area yet: put wards into areas above to profile them.", icon=":material/info:")
        return
    chosen_area = st.selectbox("Area", profile_areas)
    area_prof = sv.area_profile(named, chosen_area, flt)
    st.markdown("**In short:** " + " ".join(area_prof.summary))

    def _printable_area() -> str:
        """This area's profile as one printable A4 page, its map drawn among the scheme's other areas."""
        outlines = areas.area_outlines(pd.Series(named), wards_bng)
        return report.profile_html(area_prof, da.meta(), ward_map.ward_map_png(outlines, chosen_area),
                                   ui.ATTRIBUTION, policy, engagement_note=ui.filter_summary(flt), unit="area")

    prints = st.columns(2)
    prints[0].download_button("Area profile (PDF)", lambda: report.profile_pdf(_printable_area()),
                              f"{report.slug(chosen_area)}-area-profile.pdf", mime="application/pdf",
                              icon=":material/picture_as_pdf:", key="areas_profile_pdf")
    prints[1].download_button("Area profile (printable HTML)", _printable_area,
                              f"{report.slug(chosen_area)}-area-profile.html", mime="text/html",
                              icon=":material/print:", key="areas_profile_html")
    ui.profile_sections(area_prof, flt, unit="area", key="area")
    # Weighting the answers for a scheme's areas takes seconds, and every change to the scheme is a new one:
    # worked out only when asked for, so building the scheme stays quick.
    if st.toggle("Show what residents of this area said", key="areas_said"):
        area_wards = tuple(code for code, area in named.items() if area == chosen_area)
        ui.said_section(said.said_here(area_wards, flt, policy, tuple(sorted(named.items())), chosen_area),
                        unit="area")
    st.subheader("Who takes part, against who lives here")
    for dim_label, dim in ui.PROFILE_DIMENSIONS:
        if dim in area_prof.compositions:
            st.markdown(f"**{dim_label}**")
            ui.table(tables.representation_table(sv.area_representation(named, chosen_area, dim, flt, policy),
                                                 dim_label, policy))
    st.caption("As on a ward's profile: respondents against the residents who could take part; ▼ under- / ▲ "
               "over-represented by a two-sided exact binomial test with Holm's correction and the whole Wilson "
               "interval below (above) 1. An area's count is the sum of its wards' counts, hidden when any of "
               "them is hidden; the flag then holds on the least favourable values and the index shows as a band.")


#: Below the builder, one tab per task; only the open one runs (ui.lazy_tabs), so the builder stays quick.
ui.lazy_tabs({"Proposals": proposals, "Saved schemes": saved_schemes, "Compare schemes": compare_schemes,
              "Budgets and pilot": budgets_and_pilot, "Area profile": area_profile}, key="areas_tab")
ui.sources("age", "engagement")
