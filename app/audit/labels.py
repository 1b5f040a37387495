"""How the audit review pages name what the trail stores as codes: its actions and the kinds of object an
event is about. The trail, the filters, extracts and CSVs keep the codes; only the pages show these labels,
in the reader's language. A code with no label here (a feature's new action) is shown as it is stored."""

from __future__ import annotations

from flask_babel.speaklater import LazyString

from app.i18n import lazy_gettext as _l

ACTION_LABELS: dict[str, LazyString] = {
    "account_language": _l("Language change"),
    "acknowledge": _l("Acknowledgement"),
    "allocate": _l("Allocation"),
    "amend": _l("Amendment"),
    "approve": _l("Approval"),
    "authorise_keep_apart": _l("Keep-apart authorisation"),
    "break_glass": _l("Break-glass access"),
    "close": _l("Closure"),
    "create": _l("Creation"),
    "decide": _l("Decision"),
    "decline_keep_apart": _l("Keep-apart refusal"),
    "delete": _l("Deletion"),
    "denied": _l("Access refused"),
    "disable": _l("Deactivation"),
    "discard": _l("Draft discarded"),
    "disclose": _l("Disclosure made"),
    "enable": _l("Reactivation"),
    "end": _l("Ending"),
    "end_sessions": _l("Sessions ended"),
    "erase": _l("Erasure"),
    "erase_cancel": _l("Erasure cancelled"),
    "erase_request": _l("Erasure request"),
    "export": _l("Export"),
    "handover": _l("Handover"),
    "import": _l("Import"),
    "login": _l("Sign-in"),
    "login_failed": _l("Failed sign-in"),
    "logout": _l("Sign-out"),
    "override_keep_apart": _l("Keep-apart override"),
    "password_change": _l("Password change"),
    "password_reset": _l("Password reset"),
    "reassign": _l("Reassignment"),
    "reauth": _l("Password confirmation"),
    "return": _l("Draft returned to the author"),
    "review": _l("Review"),
    "revoke": _l("Revocation"),
    "search": _l("Search performed"),
    "submit": _l("Submission"),
    "totp_enrol": _l("Two-step sign-in set up"),
    "totp_enrol_failed": _l("Two-step sign-in set-up failed"),
    "totp_reset": _l("Two-step sign-in reset"),
    "transfer": _l("Transfer of a person"),
    "unlock": _l("Unlocking"),
    "update": _l("Modification"),
    "verify": _l("Verification"),
    "view": _l("Consultation"),
    "withhold": _l("Withholding"),
}

OBJECT_LABELS: dict[str, LazyString] = {
    "accreditation": _l("accreditation"),
    "affiliation": _l("affiliation"),
    "affiliation_form": _l("affiliation form"),
    "alert": _l("alert"),
    "alerts": _l("alerts"),
    "allocation_form": _l("allocation form"),
    "assessment": _l("assessment"),
    "audit_events": _l("audit events"),
    "audit_extract": _l("audit extract"),
    "audit_verification": _l("audit verification"),
    "audit_verifications": _l("audit verifications"),
    "break_glass": _l("break-glass access"),
    "case_package": _l("case package"),
    "case_summary": _l("case summary"),
    "caseload": _l("caseload"),
    "challenge": _l("challenge"),
    "conference": _l("case conference"),
    "conference_action": _l("conference action"),
    "conference_attendee": _l("conference attendee"),
    "conference_discussion": _l("conference discussion"),
    "conference_dissent": _l("conference dissent"),
    "dashboard": _l("dashboard"),
    "departed_work": _l("work left behind"),
    "departure": _l("departure"),
    "disclosure": _l("disclosure"),
    "disclosure_form": _l("disclosure form"),
    "disclosure_register": _l("disclosure register"),
    "disclosure_request": _l("disclosure request"),
    "disclosure_request_form": _l("disclosure request form"),
    "erasure_form": _l("erasure form"),
    "erasure_request": _l("erasure request"),
    "export_form": _l("export form"),
    "group": _l("group"),
    "group_link": _l("link between groups"),
    "handover": _l("handover"),
    "intervention": _l("intervention"),
    "intervention_session": _l("intervention session"),
    "intervention_work": _l("intervention work"),
    "keep_apart": _l("keep-apart"),
    "keep_apart_override": _l("keep-apart override"),
    "keep_aparts_awaiting": _l("keep-aparts awaiting decision"),
    "link_form": _l("link form"),
    "links_awaiting": _l("links awaiting decision"),
    "location_form": _l("location form"),
    "move_conflicts": _l("move conflicts"),
    "nexus": _l("nexus"),
    "nexus_people": _l("nexus people"),
    "observation": _l("observation"),
    "observation_form": _l("observation form"),
    "observations": _l("observations"),
    "package_form": _l("package form"),
    "package_match": _l("package match"),
    "person_link": _l("link between people"),
    "person_link_request": _l("link request"),
    "person_skill": _l("person's skill"),
    "received_package": _l("received package"),
    "recruitment_form": _l("recruitment form"),
    "recruitment_target": _l("recruitment target"),
    "recruitment_target_request": _l("recruitment target request"),
    "referral_form": _l("referral form"),
    "retention_review": _l("retention review"),
    "screening": _l("screening"),
    "screening_form": _l("screening form"),
    "skill_form": _l("skill form"),
    "subject": _l("person"),
    "subject_access_report": _l("subject access report"),
    "subject_import": _l("import of people"),
    "subject_list": _l("list of people"),
    "subject_page": _l("person's page"),
    "targeted_for_recruitment": _l("targeted for recruitment"),
    "transfer_form": _l("transfer form"),
    "unit": _l("unit"),
    "user": _l("user account"),
}


def action_label(action: str | None) -> str:
    """An audit action as the review pages name it; its code when it has no label."""
    if not action:
        return ""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def object_label(object_type: str | None) -> str:
    """The kind of object an event is about, as the review pages name it; its code when it has no label."""
    if not object_type:
        return ""
    label = OBJECT_LABELS.get(object_type)
    return str(label) if label is not None else object_type


def role_label(role: str | None) -> str:
    """The role an actor had, as the pages name roles; its code when it is not one of today's roles."""
    from app.auth.models import Role

    if not role:
        return ""
    try:
        return str(Role(role).label)
    except ValueError:
        return role
