"""The partner map page and the partner profile page: filters, the map with its text alternative, the profile."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ctdash import export, partners, permissions
from ctdash.format import heading, label, link_id, local_time, plain
from ctdash.models import PartnerRoleKind
from ctdash.ui import finding_views, partner_map, project_views
from ctdash.ui.components import EXAMPLE_BADGE, KIND_BADGES
from ctdash.viewer import Viewer

PROFILE_PAGE = "pages/partner.py"
ANY = "Any"


def filters(choices) -> dict:
    """Role, cycle, theme and region filters in one row; returns the keyword arguments for ``map_rows``."""
    role_names = {kind.value: partners.ROLE_LABELS[kind] for kind in PartnerRoleKind}
    columns = st.columns(4)
    role = columns[0].selectbox(
        "Role",
        [None, *role_names],
        format_func=lambda value: role_names.get(value, ANY),
        key="map_role",
        placeholder=ANY,
    )
    cycle = columns[1].selectbox(
        "Research cycle",
        [None, *choices.cycles],
        format_func=lambda value: value or ANY,
        key="map_cycle",
        placeholder=ANY,
    )
    theme = columns[2].selectbox(
        "Theme",
        [None, *choices.themes],
        format_func=lambda value: choices.themes.get(value, ANY),
        key="map_theme",
        placeholder=ANY,
    )
    region = columns[3].selectbox(
        "Region", [None, *choices.regions], format_func=lambda value: value or ANY, key="map_region", placeholder=ANY
    )
    return {"role": role, "cycle": cycle, "theme": theme, "region": region}


def map_and_picker(view: partner_map.MapView) -> None:
    """The map, its legend and a select box; choosing a partner either way opens its profile."""
    rows = view.rows
    if rows.empty:
        st.info(
            "No partner service matches these filters. Choose “Any” in a filter to see more.",
            icon=":material/filter_alt_off:",
        )
        return
    left, right = st.columns([3, 1], gap="medium")
    with left:
        event = st.pydeck_chart(
            view.deck(),
            on_select="rerun",
            selection_mode="single-object",
            key="partner_map",
            height=560,
        )
    chosen = partner_map.selected_partner(event)
    with right:
        st.markdown(partner_map.LEGEND)
        picked = _pick(rows, "Open a partner's profile", key="map_pick")
        missing = int((rows["latitude"].isna() | rows["longitude"].isna()).sum())
        if missing:
            st.caption(f"{missing} partner service(s) have no position yet and are listed in the table only.")
    chosen = chosen or picked
    if chosen is not None:
        st.switch_page(PROFILE_PAGE, query_params={"id": str(chosen)})


def _pick(rows: pd.DataFrame, label: str, *, key: str) -> int | None:
    """A select box of the partners in ``rows``, by id, empty until someone chooses."""
    names = dict(zip(rows["id"].astype(int), rows["name"], strict=True))
    return st.selectbox(
        label, list(names), index=None, format_func=names.get, placeholder="Choose a partner service", key=key
    )


def partner_table(rows: pd.DataFrame) -> None:
    st.subheader("The same partners as a table")
    st.dataframe(
        partner_map.table(rows),
        hide_index=True,
        width="stretch",
        key="partner_table",
        column_config={
            "Profile": st.column_config.LinkColumn("Profile", display_text="Open profile"),
            "Published findings": st.column_config.NumberColumn(format="%d"),
        },
    )


def partner_from_url(known: frozenset[int], rows: pd.DataFrame) -> int | None:  # noqa: RET503 - st.rerun() never returns
    """The partner named by ``?id=`` in the URL, any of ``known`` (archived services too); a missing,
    forged or unknown id gets a notice and a picker of the current services in ``rows``."""
    raw = st.query_params.get("id")
    if raw is not None:
        partner_id = link_id(raw)
        if partner_id in known:
            return partner_id
    st.title("Partner profile")
    if raw is not None:
        st.info("That link does not name a partner service we know. Choose one below.", icon=":material/help:")
    picked = _pick(rows, "Partner service", key="profile_pick")
    if picked is not None:
        st.query_params["id"] = str(picked)
        st.rerun()  # drawn again from the URL, which can now be shared
    return None


def show_profile(profile, viewer: Viewer) -> None:
    st.title(heading(profile.name))
    facts = [fact for fact in (profile.region, profile.local_authority) if fact]
    badges = [":gray-badge[:material/inventory_2: Archived]"] if not profile.active else []
    if profile.is_example:
        badges.append(EXAMPLE_BADGE)
    # The badges on a line of their own: a caption's faded colour would take their text below 4.5:1.
    if facts:
        st.caption(" · ".join(plain(fact) for fact in facts))
    if badges:
        st.markdown(" ".join(badges))
    left, right = st.columns([3, 2], gap="large")
    with left:
        if profile.profile_text:
            st.markdown(plain(profile.profile_text))
        st.subheader("Research projects")
        if not viewer.signed_in:
            st.caption("Research projects are shared within the working group. Sign in to see them.")
        elif not profile.projects:
            st.caption("No research projects recorded for this service yet.")
        else:
            st.dataframe(
                export.spreadsheet_safe(
                    pd.DataFrame(
                        {
                            "Cycle": [project.cycle for project in profile.projects],
                            "Project": [project.title for project in profile.projects],
                            "Stage": [label(project.stage) for project in profile.projects],
                            "Themes": [", ".join(project.themes) for project in profile.projects],
                            "Open": [project_views.project_url(project.id) for project in profile.projects],
                        }
                    )
                ),
                hide_index=True,
                width="stretch",
                key="profile_projects",
                column_config={"Open": st.column_config.LinkColumn("Open", display_text="Open project")},
            )
        st.subheader("Published findings")
        if not profile.findings:
            st.caption("No published findings from this service yet.")
        for finding in profile.findings:
            kind = KIND_BADGES.get(str(finding.kind), label(str(finding.kind)))
            link = finding_views.finding_link(finding.id, finding.title)
            st.markdown(f"**{link}** {kind}  \n{local_time(finding.published_at)}")
    with right:
        st.subheader("About")
        rows = {
            "Lead organisation": profile.lead_organisation,
            "Region": profile.region,
            "Local authority area": profile.local_authority,
            "Website": profile.website,
        }
        for name, value in rows.items():
            st.markdown(f"**{name}**  \n{plain(value) if value else 'Not recorded'}")
        st.markdown("**Roles**")
        for role in profile.roles:
            when = role.cycle or (f"since {role.since_year}" if role.since_year else "years not recorded")
            st.markdown(f"- {plain(role.role_label)} ({plain(when)})")
        if viewer.signed_in:
            st.markdown("**Contact**")
            contact = " · ".join(plain(part) for part in (profile.contact_name, profile.contact_email) if part)
            st.markdown(contact or "Not recorded")


def may_edit(viewer: Viewer) -> bool:
    return permissions.role_of(viewer) in permissions.ACTIONS[permissions.EDIT_PARTNERS]


def edit_form(form, profile) -> dict | None:
    """Facilitators and administrators: every fact of the partner, coordinates included."""
    with st.form(form.key, enter_to_submit=False):
        left, right = st.columns(2)
        values = {
            "name": left.text_input("Name", value=profile.name, key=form.widget("name")),
            "short_name": right.text_input("Short name", value=profile.short_name, key=form.widget("short_name")),
            "lead_organisation": left.text_input(
                "Lead organisation", value=profile.lead_organisation or "", key=form.widget("lead_organisation")
            ),
            "website": right.text_input("Website (https://…)", value=profile.website or "", key=form.widget("website")),
            "region": left.text_input("Region", value=profile.region or "", key=form.widget("region")),
            "local_authority": right.text_input(
                "Local authority area", value=profile.local_authority or "", key=form.widget("local_authority")
            ),
            "latitude": left.number_input(
                "Latitude", value=profile.latitude, format="%.4f", step=0.01, key=form.widget("latitude")
            ),
            "longitude": right.number_input(
                "Longitude", value=profile.longitude, format="%.4f", step=0.01, key=form.widget("longitude")
            ),
            "contact_name": left.text_input(
                "Contact name", value=profile.contact_name or "", key=form.widget("contact_name")
            ),
            "contact_email": right.text_input(
                "Contact email", value=profile.contact_email or "", key=form.widget("contact_email")
            ),
            "profile_text": st.text_area(
                "About this service", value=profile.profile_text or "", key=form.widget("profile_text")
            ),
            "active": st.checkbox(
                "In the network now (untick to archive: kept on past projects and findings)",
                value=profile.active,
                key=form.widget("active"),
            ),
        }
        submitted = st.form_submit_button("Save partner", type="primary")
    return values if submitted else None


def profile_text_form(form, profile) -> str | None:
    """Members: the profile text of their own service."""
    with st.form(form.key, enter_to_submit=False):
        text = st.text_area(
            "About your service", value=profile.profile_text or "", key=form.widget("profile_text"), height=160
        )
        submitted = st.form_submit_button("Save", type="primary")
    return text if submitted else None


EDIT_FIELDS = (
    "name",
    "short_name",
    "lead_organisation",
    "website",
    "region",
    "local_authority",
    "latitude",
    "longitude",
    "contact_name",
    "contact_email",
    "profile_text",
    "active",
)
