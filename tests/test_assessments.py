"""Screening, the assessment lifecycle, four eyes, immutability, amendment, comparison, accreditation,
challenges and the judgement chart."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import select

from app.assessments.models import Assessment, AssessmentRating, Challenge, Screening
from app.audit.models import AuditEvent
from app.db import db, make_engine, utcnow
from app.subjects.models import Subject
from tests import factories
from tests.conftest import post_form


def events(app: Flask, action: str, object_type: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.object_type == object_type).order_by(AuditEvent.id)))


def get(app: Flask, model: type, ident: int):
    with app.app_context():
        row = db.session.get(model, ident)
        assert row is not None
        return row


def form_of(app: Flask, data, version: int, action: str = "save") -> dict[str, object]:
    form: dict[str, object] = {"version": str(version), "action": action}
    for code, value in data.ratings.items():
        form[f"rating_{code}"] = value
    for code, value in data.evidence.items():
        form[f"evidence_{code}"] = value
    form.update({"overall_judgement": data.overall_judgement, "rationale": data.rationale,
                 "person_view": data.person_view, "review_due": data.review_due.isoformat() if data.review_due else ""})
    return form


@pytest.fixture
def accredited(app, users):
    for key in ("assessor", "probation", "supervisor"):
        factories.accredit(app, users[key].id)


def start(client, subject_id: int) -> object:
    return post_form(client, f"/subjects/{subject_id}/assessments",
                     {"instrument": factories.ASSESSMENT[0], "instrument_version": factories.ASSESSMENT[1]},
                     token_from=f"/subjects/{subject_id}")


# --- screening --------------------------------------------------------------------------------------


def test_screening_that_refers_puts_the_person_on_the_assessment_needed_list(app, login_as, users, records):
    from app.assessments import catalogue

    sid = records["subject_a"]
    client = login_as("assessor")
    with app.app_context():
        instrument = catalogue.get(*factories.SCREENING)
        items = instrument.items()
    form = {f"item_{i.code}": "not_observed" for i in items}
    form.update({f"item_{items[0].code}": "observed", "screened_on": utcnow().date().isoformat(),
                 "occasion": "Reception", "outcome": "refer_for_assessment",
                 "rationale": "Material found in property on reception."})
    response = post_form(client, f"/subjects/{sid}/screenings/new", form)
    assert response.status_code == 302
    assert get(app, Subject, sid).assessment_needed_since is not None
    home = login_as("supervisor").get("/").get_data(as_text=True)
    assert 'data-testid="assessments-needed"' in home and "Archer" in home
    created = events(app, "create", "screening")[-1]
    assert created.details["outcome"] == "refer_for_assessment" and created.subject_id == sid


def test_incomplete_screening_lists_every_unanswered_item_and_saves_nothing(app, login_as, records):
    sid = records["subject_a"]
    response = post_form(login_as("assessor"), f"/subjects/{sid}/screenings/new",
                         {"occasion": "Reception", "outcome": "", "rationale": ""})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert text.count('href="#item_') >= 10 and 'href="#outcome"' in text and 'href="#screened_on"' in text
    assert 'value="Reception"' in text
    with app.app_context():
        assert db.session.scalar(select(sa.func.count()).select_from(Screening)) == 0


def test_screening_page_shows_the_count_as_an_aid_not_a_score(app, login_as, users, records):
    screening_id = factories.make_screening(app, users["assessor"].id, records["subject_a"])
    text = login_as("probation").get(f"/screenings/{screening_id}").get_data(as_text=True)
    assert "Aid only, not a score" in text and "not a validated instrument" in text


# --- accreditation ------------------------------------------------------------------------------------


def test_unaccredited_user_is_refused_with_the_reason(app, login_as, records):
    client = login_as("assessor")
    page = client.get(f"/subjects/{records['subject_a']}").get_data(as_text=True)
    assert "You are not accredited for" in page
    response = start(client, records["subject_a"])
    assert response.status_code == 302
    assert "You are not accredited for" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(sa.func.count()).select_from(Assessment)) == 0


def test_expired_accreditation_is_refused_with_its_date(app, login_as, users, records):
    from app.assessments.models import Accreditation

    factories.accredit(app, users["assessor"].id)
    with app.app_context():
        row = db.session.scalars(select(Accreditation)).one()
        row.valid_until = utcnow().date() - timedelta(days=1)
        db.session.commit()
    client = login_as("assessor")
    response = start(client, records["subject_a"])
    assert "expired on" in client.get(response.headers["Location"]).get_data(as_text=True)


def expire_accreditation(app: Flask, user_id: int) -> None:
    """The accreditation lapses (its date passes) while a draft is open."""
    from app.assessments.models import Accreditation

    with app.app_context():
        for row in db.session.scalars(select(Accreditation).where(Accreditation.user_id == user_id)):
            row.valid_until = utcnow().date() - timedelta(days=1)
        db.session.commit()


def test_expired_accreditation_refuses_submission_with_the_reason_but_keeps_the_draft(app, login_as, users,
                                                                                      records, accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"])
    expire_accreditation(app, users["assessor"].id)
    author = login_as("assessor")
    assert "expired on" in author.get(f"/assessments/{aid}/edit").get_data(as_text=True)  # said before trying
    data = factories.complete_input(app)
    data.evidence["EN1"] = "Typed after the accreditation lapsed."
    response = post_form(author, f"/assessments/{aid}/edit", form_of(app, data, get(app, Assessment, aid).version,
                                                                     "submit"))
    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert "expired on" in text and "Typed after the accreditation lapsed." in text
    saved = get(app, Assessment, aid)
    assert saved.status == "draft" and saved.submitted_at is None
    with app.app_context():
        rating = db.session.scalars(select(AssessmentRating).where(
            AssessmentRating.assessment_id == aid, AssessmentRating.item_code == "EN1")).one()
        assert rating.evidence == "Typed after the accreditation lapsed."  # the draft was saved
    denied = events(app, "denied", "assessment")[-1]
    assert denied.object_id == str(aid) and "expired on" in denied.details["reason"]
    assert not events(app, "submit", "assessment")


def test_expired_accreditation_still_lets_the_author_save_and_autosave_the_draft(app, login_as, users, records,
                                                                               accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"])
    expire_accreditation(app, users["assessor"].id)
    author = login_as("assessor")
    version = get(app, Assessment, aid).version
    saved = post_form(author, f"/assessments/{aid}/edit", {"version": str(version), "evidence_EN1": "Saved."})
    assert saved.status_code == 302
    autosaved = post_form(author, f"/assessments/{aid}/autosave", {"version": str(version + 1),
                                                                    "evidence_EN1": "Autosaved."},
                          token_from=f"/assessments/{aid}/edit")
    assert autosaved.status_code == 200 and autosaved.get_json()["saved"] is True


def test_renewed_accreditation_lets_the_kept_draft_be_submitted(app, login_as, users, records, accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"])
    expire_accreditation(app, users["assessor"].id)
    author = login_as("assessor")
    data = factories.complete_input(app)
    refused = post_form(author, f"/assessments/{aid}/edit", form_of(app, data, get(app, Assessment, aid).version,
                                                                    "submit"))
    assert refused.status_code == 403
    factories.accredit(app, users["assessor"].id)
    response = post_form(author, f"/assessments/{aid}/edit", form_of(app, data, get(app, Assessment, aid).version,
                                                                     "submit"))
    assert response.status_code == 302 and get(app, Assessment, aid).status == "submitted"


def test_admin_records_and_revokes_an_accreditation(app, login_as, users):
    admin = login_as("admin")
    until = (utcnow().date() + timedelta(days=200)).isoformat()
    response = post_form(admin, "/admin/accreditations", {"user": str(users["assessor"].id),
                                                          "instrument": factories.ASSESSMENT[0],
                                                          "valid_until": until})
    assert response.status_code == 302
    assert events(app, "create", "accreditation")
    bad = post_form(admin, "/admin/accreditations", {"user": "", "instrument": "", "valid_until": "2001-01-01"})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert 'href="#user"' in text and 'href="#instrument"' in text and 'href="#valid_until"' in text
    post_form(admin, "/admin/accreditations/1/revoke", {}, token_from="/admin/accreditations")
    assert events(app, "revoke", "accreditation")


# --- drafts, submission, four eyes ----------------------------------------------------------------------


def test_draft_saves_incomplete_and_submission_lists_every_missing_item(app, login_as, records, accredited):
    client = login_as("assessor")
    response = start(client, records["subject_a"])
    aid = int(response.headers["Location"].split("/")[2])
    a = get(app, Assessment, aid)
    assert a.status == "draft" and a.review_due == utcnow().date() + timedelta(days=180)
    partial = {"version": "1", "action": "submit", "rating_EN1": "present", "evidence_EN1": "Seen writing slogans."}
    response = post_form(client, f"/assessments/{aid}/edit", partial)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert text.count('href="#rating_') == 20 and text.count('href="#evidence_') == 20  # all but EN1
    assert 'href="#overall_judgement"' in text and 'href="#rationale"' in text
    assert "Seen writing slogans." in text  # nothing typed is lost
    saved = get(app, Assessment, aid)
    assert saved.status == "draft" and saved.version == 2
    with app.app_context():
        rating = db.session.scalars(select(AssessmentRating).where(
            AssessmentRating.assessment_id == aid, AssessmentRating.item_code == "EN1")).one()
        assert (rating.rating, rating.evidence) == ("present", "Seen writing slogans.")


def test_complete_draft_is_submitted_and_audited_without_its_narrative(app, login_as, records, accredited):
    client = login_as("assessor")
    aid = int(start(client, records["subject_a"]).headers["Location"].split("/")[2])
    data = factories.complete_input(app)
    response = post_form(client, f"/assessments/{aid}/edit", form_of(app, data, 1, "submit"))
    assert response.status_code == 302
    assert get(app, Assessment, aid).status == "submitted"
    assert events(app, "submit", "assessment")
    update = events(app, "update", "assessment")[-1]
    assert "rating:EN1" in update.details["changes"]
    assert "Evidence for" not in str(update.details) and "Reasons drawn" not in str(update.details)


def test_author_cannot_approve_their_own_assessment(app, login_as, users, records, accredited):
    aid = factories.make_assessment(app, users["supervisor"].id, records["subject_a"], submit=True)
    client = login_as("supervisor")
    page = client.get(f"/assessments/{aid}").get_data(as_text=True)
    assert "Approve</button>" not in page
    response = post_form(client, f"/assessments/{aid}/approve", {"version": "3"}, token_from=f"/assessments/{aid}")
    assert response.status_code == 403
    assert get(app, Assessment, aid).status == "submitted"
    denied = events(app, "denied", "assessment")[-1]
    assert "cannot approve an assessment you wrote" in denied.details["reason"]


def test_supervisor_of_another_unit_cannot_see_or_approve(app, login_as, users, records, accredited):
    from app.auth.models import Role
    from tests.conftest import login

    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"], submit=True)
    factories.make_user(app, "supervisor_b", Role.SUPERVISOR, ["UNIT-B"], "meadow-cobalt-lantern-66")
    other = app.test_client()
    login(other, "supervisor_b", "meadow-cobalt-lantern-66")
    assert other.get(f"/assessments/{aid}").status_code == 404
    assert post_form(other, f"/assessments/{aid}/approve", {"version": "3"}, token_from="/").status_code == 404
    assert get(app, Assessment, aid).status == "submitted"


def test_supervisor_returns_with_a_comment_and_the_author_sees_it(app, login_as, users, records, accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"], submit=True)
    supervisor = login_as("supervisor")
    version = get(app, Assessment, aid).version
    empty = post_form(supervisor, f"/assessments/{aid}/return", {"comment": "", "version": str(version)},
                      token_from=f"/assessments/{aid}")
    assert empty.status_code == 400 and "Tell the author what to change" in empty.get_data(as_text=True)
    response = post_form(supervisor, f"/assessments/{aid}/return",
                         {"comment": "IN3 evidence is hearsay; find a source.", "version": str(version)},
                         token_from=f"/assessments/{aid}")
    assert response.status_code == 302
    a = get(app, Assessment, aid)
    assert a.status == "draft" and a.return_comment.startswith("IN3")
    author = login_as("assessor")
    assert "IN3 evidence is hearsay" in author.get(f"/assessments/{aid}/edit").get_data(as_text=True)
    home = author.get("/").get_data(as_text=True)
    assert 'data-testid="returned-to-me"' in home and "IN3 evidence is hearsay" in home
    assert events(app, "return", "assessment")
    # resubmitted after the correction, it reaches the supervisor's "awaiting approval" again
    data = factories.complete_input(app)
    assert post_form(author, f"/assessments/{aid}/edit", form_of(app, data, a.version, "submit")).status_code == 302
    assert 'data-testid="awaiting-approval"' in supervisor.get("/").get_data(as_text=True)
    assert get(app, Assessment, aid).status == "submitted"


def test_approval_locks_sets_the_review_date_and_clears_assessment_needed(app, login_as, users, records, accredited):
    sid = records["subject_a"]
    factories.make_screening(app, users["assessor"].id, sid)
    aid = factories.make_assessment(app, users["assessor"].id, sid, submit=True)
    supervisor = login_as("supervisor")
    version = get(app, Assessment, aid).version
    assert post_form(supervisor, f"/assessments/{aid}/approve", {"version": str(version)},
                     token_from=f"/assessments/{aid}").status_code == 302
    a, subject = get(app, Assessment, aid), get(app, Subject, sid)
    assert a.status == "approved" and a.approved_by_id == users["supervisor"].id
    assert subject.next_review_due == a.review_due and subject.assessment_needed_since is None
    # the app refuses changes to an approved assessment
    author = login_as("assessor")
    edit = author.get(f"/assessments/{aid}/edit")
    assert edit.status_code == 302 and edit.headers["Location"] == f"/assessments/{aid}"
    save = post_form(author, f"/assessments/{aid}/autosave", {"version": str(a.version)},
                     token_from=f"/assessments/{aid}")
    assert save.status_code == 403


@pytest.mark.parametrize("statement", [
    "UPDATE assessments SET overall_judgement = 'low_concern' WHERE id = :id",
    "UPDATE assessments SET status = 'draft' WHERE id = :id",
    "DELETE FROM assessments WHERE id = :id",
    "UPDATE assessment_ratings SET evidence = 'forged' WHERE assessment_id = :id",
    "DELETE FROM assessment_ratings WHERE assessment_id = :id",
])
def test_database_refuses_changes_to_an_approved_assessment(app, db_url, users, records, accredited, statement):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"],
                                    approver_id=users["supervisor"].id)
    engine = make_engine(db_url)
    with pytest.raises(sa.exc.DatabaseError, match="immutable"), engine.begin() as conn:
        conn.execute(sa.text(statement), {"id": aid})
    engine.dispose()


def test_draft_rows_stay_editable_in_the_database(app, db_url, users, records, accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"])
    engine = make_engine(db_url)
    with engine.begin() as conn:
        updated = conn.execute(sa.text("UPDATE assessment_ratings SET evidence = 'edited' WHERE assessment_id = :id"),
                               {"id": aid}).rowcount
    with engine.connect() as conn:
        evidence = conn.execute(sa.text("SELECT evidence FROM assessment_ratings WHERE assessment_id = :id"),
                                {"id": aid}).scalars().all()
    engine.dispose()
    assert updated > 0 and evidence == ["edited"] * updated


# --- amendment and comparison -------------------------------------------------------------------------


def test_amendment_is_a_new_linked_draft_and_approval_supersedes_the_old(app, login_as, users, records, accredited):
    old = factories.make_assessment(app, users["assessor"].id, records["subject_a"],
                                    approver_id=users["supervisor"].id)
    author = login_as("probation")
    response = post_form(author, f"/assessments/{old}/amend", {}, token_from=f"/assessments/{old}")
    new = int(response.headers["Location"].split("/")[2])
    draft = get(app, Assessment, new)
    assert events(app, "amend", "assessment")[-1].details["amends"] == old
    assert draft.supersedes_id == old and draft.status == "draft" and draft.author_id == users["probation"].id
    assert draft.overall_judgement == "moderate_concern"  # prefilled
    # a second click reopens the same amendment rather than starting another
    again = post_form(author, f"/assessments/{old}/amend", {}, token_from=f"/assessments/{old}")
    assert again.headers["Location"].endswith(f"/assessments/{new}/edit")
    data = factories.complete_input(app, judgement="high_concern")
    data.ratings["IN1"] = "present"
    post_form(author, f"/assessments/{new}/edit", form_of(app, data, draft.version, "submit"))
    supervisor = login_as("supervisor")
    version = get(app, Assessment, new).version
    post_form(supervisor, f"/assessments/{new}/approve", {"version": str(version)}, token_from=f"/assessments/{new}")
    assert get(app, Assessment, old).status == "superseded" and get(app, Assessment, old).superseded_by_id == new
    assert get(app, Assessment, new).status == "approved"
    assert login_as("assessor").get(f"/assessments/{old}").status_code == 200  # still readable
    compare = supervisor.get(f"/assessments/{old}/compare?with={new}").get_data(as_text=True)
    assert "rating changed" in compare and "High concern" in compare and "Moderate concern" in compare


def test_stale_draft_save_gets_409_and_keeps_the_text(app, login_as, users, records, accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"])
    author = login_as("assessor")
    version = get(app, Assessment, aid).version
    post_form(author, f"/assessments/{aid}/edit", {"version": str(version), "evidence_EN1": "first tab"})
    response = post_form(author, f"/assessments/{aid}/edit", {"version": str(version),
                                                               "evidence_EN1": "second tab text"})
    assert response.status_code == 409
    assert "second tab text" in response.get_data(as_text=True)
    with app.app_context():
        rating = db.session.scalars(select(AssessmentRating).where(
            AssessmentRating.assessment_id == aid, AssessmentRating.item_code == "EN1")).one()
        assert rating.evidence == "first tab"


def test_autosave_returns_the_new_version(app, login_as, users, records, accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"])
    author = login_as("assessor")
    version = get(app, Assessment, aid).version
    response = post_form(author, f"/assessments/{aid}/autosave", {"version": str(version),
                                                                   "evidence_EN1": "typed, not yet saved"},
                         token_from=f"/assessments/{aid}/edit")
    assert response.status_code == 200 and response.get_json()["version"] == version + 1
    stale = post_form(author, f"/assessments/{aid}/autosave", {"version": str(version)},
                      token_from=f"/assessments/{aid}/edit")
    assert stale.status_code == 409 and stale.get_json()["conflict"] is True


# --- the form as a task list: sections, their states, the check page ------------------------------------

STATE_RE = re.compile(r'data-testid="task-state"[^>]*>([^<]+)<')


def task_states(client, aid: int) -> list[str]:
    page = client.get(f"/assessments/{aid}/edit")
    assert page.status_code == 200
    return STATE_RE.findall(page.get_data(as_text=True))


def section_form(app: Flask, data, section: str, version: int, action: str = "save") -> dict[str, object]:
    """The fields of one section's page, as the browser sends them."""
    from app.assessments import catalogue, tasks

    with app.app_context():
        fields = tasks.section(catalogue.get(*factories.ASSESSMENT), section).fields
    return {name: value for name, value in form_of(app, data, version, action).items()
            if name in fields or name in ("version", "action")}


def rating(app: Flask, aid: int, code: str) -> tuple[str, str]:
    with app.app_context():
        row = db.session.scalars(select(AssessmentRating).where(
            AssessmentRating.assessment_id == aid, AssessmentRating.item_code == code)).one()
        return row.rating, row.evidence


def test_task_list_shows_each_section_state_computed_from_what_is_saved(app, login_as, records, accredited):
    client = login_as("assessor")
    aid = int(start(client, records["subject_a"]).headers["Location"].split("/")[2])
    mark = len(events(app, "view", "assessment"))
    assert task_states(client, aid) == ["Not started"] * 6  # five domains, then the overall judgement
    assert len(events(app, "view", "assessment")) == mark + 1  # the task list is a consultation too
    page = client.get(f"/assessments/{aid}/edit").get_data(as_text=True)
    for section in ("engagement", "intent", "capability", "protective", "nexus", "overall-judgement"):
        assert f'href="/assessments/{aid}/edit/{section}"' in page
    assert f'href="/assessments/{aid}/check"' in page

    # one rating of the engagement domain, no evidence: in progress
    half = {"version": "1", "rating_EN1": "present"}
    assert post_form(client, f"/assessments/{aid}/edit/engagement", half).status_code == 302
    assert task_states(client, aid) == ["In progress"] + ["Not started"] * 5
    # every engagement item rated with evidence: complete; the other sections are as they were
    data = factories.complete_input(app)
    post_form(client, f"/assessments/{aid}/edit/engagement", section_form(app, data, "engagement", 2))
    post_form(client, f"/assessments/{aid}/edit/overall-judgement",
              section_form(app, data, "overall-judgement", 3, action="tasks"))
    assert task_states(client, aid) == ["Complete", "Not started", "Not started", "Not started", "Not started",
                                        "Complete"]
    assert "You have completed 2 of 6 sections." in client.get(f"/assessments/{aid}/edit").get_data(as_text=True)


def test_section_page_saves_only_its_own_fields_and_moves_on(app, login_as, records, accredited):
    client = login_as("assessor")
    aid = int(start(client, records["subject_a"]).headers["Location"].split("/")[2])
    data = factories.complete_input(app)
    response = post_form(client, f"/assessments/{aid}/edit/overall-judgement",
                         section_form(app, data, "overall-judgement", 1))
    assert response.headers["Location"] == f"/assessments/{aid}/edit/overall-judgement"  # "Save draft" stays
    page = client.get(f"/assessments/{aid}/edit/engagement").get_data(as_text=True)
    assert "Reasons drawn from the evidence above." not in page  # only this section's fields are on its page
    assert 'name="rating_EN1"' in page and 'name="rating_IN1"' not in page

    response = post_form(client, f"/assessments/{aid}/edit/engagement",
                         section_form(app, data, "engagement", 2, action="continue"))
    assert response.headers["Location"] == f"/assessments/{aid}/edit/intent"  # the next domain
    saved = get(app, Assessment, aid)
    assert saved.version == 3 and saved.rationale == "Reasons drawn from the evidence above."  # kept
    assert rating(app, aid, "EN1") == (data.ratings["EN1"], data.evidence["EN1"])
    assert rating(app, aid, "IN1") == ("", "")
    update = events(app, "update", "assessment")[-1]
    assert {k.split(":")[0] for k in update.details["changes"]} == {"rating", "evidence"}
    assert all(k.split(":")[1].startswith("EN") for k in update.details["changes"])

    last = post_form(client, f"/assessments/{aid}/edit/overall-judgement",
                     section_form(app, data, "overall-judgement", 3, action="continue"))
    assert last.headers["Location"] == f"/assessments/{aid}/check"  # after the last section: check
    back = post_form(client, f"/assessments/{aid}/edit/nexus", section_form(app, data, "nexus", 4, action="tasks"))
    assert back.headers["Location"] == f"/assessments/{aid}/edit"
    assert client.get(f"/assessments/{aid}/edit/no_such_domain").status_code == 404


def test_stale_section_save_gets_409_keeps_the_text_and_overwrites_nothing(app, login_as, records, accredited):
    client = login_as("assessor")
    aid = int(start(client, records["subject_a"]).headers["Location"].split("/")[2])
    post_form(client, f"/assessments/{aid}/edit/engagement", {"version": "1", "evidence_EN1": "first tab"})
    response = post_form(client, f"/assessments/{aid}/edit/engagement",
                         {"version": "1", "evidence_EN1": "second tab text"})
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "second tab text" in text and "saved elsewhere" in text
    assert rating(app, aid, "EN1") == ("", "first tab")


def test_section_autosave_changes_only_that_section(app, login_as, records, accredited):
    client = login_as("assessor")
    aid = int(start(client, records["subject_a"]).headers["Location"].split("/")[2])
    data = factories.complete_input(app)
    post_form(client, f"/assessments/{aid}/edit/intent", section_form(app, data, "intent", 1))
    response = post_form(client, f"/assessments/{aid}/autosave?section=engagement",
                         {"version": "2", "evidence_EN2": "typed, not yet saved"},
                         token_from=f"/assessments/{aid}/edit/engagement")
    assert response.status_code == 200 and response.get_json()["version"] == 3
    assert rating(app, aid, "EN2") == ("", "typed, not yet saved")
    assert rating(app, aid, "IN1") == (data.ratings["IN1"], data.evidence["IN1"])  # left as saved
    unknown = post_form(client, f"/assessments/{aid}/autosave?section=nowhere", {"version": "3"},
                        token_from=f"/assessments/{aid}/edit/engagement")
    assert unknown.status_code == 400 and get(app, Assessment, aid).version == 3


def test_section_page_says_what_is_required_before_submission(app, login_as, records, accredited):
    client = login_as("assessor")
    aid = int(start(client, records["subject_a"]).headers["Location"].split("/")[2])
    page = client.get(f"/assessments/{aid}/edit/engagement").get_data(as_text=True)
    # on each item, before any submission: its evidence is required, and so is its rating
    assert page.count("Required before you submit. What you saw, read or were told") == 5
    assert page.count("A rating is required before you submit.") == 5
    assert 'id="evidence_EN1-hint"' in page and 'aria-describedby="evidence_EN1-hint"' in page
    overall = client.get(f"/assessments/{aid}/edit/overall-judgement").get_data(as_text=True)
    assert 'id="rationale-hint" class="form-text mt-0 mb-1">Required before you submit.' in overall
    assert 'id="person_view-hint" class="form-text mt-0 mb-1">In their words' in overall  # optional: no mark
    # the save status is at the top of the page, before the first item, not only by the buttons
    assert page.index("data-autosave-status") < page.index('name="rating_EN1"')
    assert "Last saved at" in page


def test_check_page_lists_what_is_missing_with_a_link_to_fix_each(app, login_as, records, accredited):
    client = login_as("assessor")
    aid = int(start(client, records["subject_a"]).headers["Location"].split("/")[2])
    data = factories.complete_input(app)
    for version, section in enumerate(("engagement", "intent", "capability", "protective"), start=1):
        post_form(client, f"/assessments/{aid}/edit/{section}", section_form(app, data, section, version))
    post_form(client, f"/assessments/{aid}/edit/nexus", {"version": "5", "rating_NX1": "cooperation"})
    mark = len(events(app, "view", "assessment"))
    page = client.get(f"/assessments/{aid}/check")
    assert page.status_code == 200
    assert len(events(app, "view", "assessment")) == mark + 1  # every answer is on it: a consultation
    text = page.get_data(as_text=True)
    assert "Still missing (3)" in text
    assert f'href="/assessments/{aid}/edit/nexus#evidence_NX1">Write the evidence for NX1' in text
    assert f'href="/assessments/{aid}/edit/overall-judgement#overall_judgement">Record your overall' in text
    assert f'href="/assessments/{aid}/edit/overall-judgement#rationale">Explain the reasons' in text
    assert data.evidence["CA3"] in text and "Cooperation" in text  # the answers themselves, to read
    assert f'action="/assessments/{aid}/submit"' in text


def test_submission_from_the_check_page_is_refused_with_the_full_list_until_complete(app, login_as, records,
                                                                                     accredited):
    client = login_as("assessor")
    aid = int(start(client, records["subject_a"]).headers["Location"].split("/")[2])
    post_form(client, f"/assessments/{aid}/edit/engagement", {"version": "1", "rating_EN1": "present",
                                                              "evidence_EN1": "Seen writing slogans."})
    refused = post_form(client, f"/assessments/{aid}/submit", {"version": "2"}, token_from=f"/assessments/{aid}/check")
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "There is a problem" in text and "The assessment was not submitted" in text
    assert text.count(f'href="/assessments/{aid}/edit/') >= 42  # 20 ratings, 20 evidence, judgement, rationale
    assert f'href="/assessments/{aid}/edit/engagement#evidence_EN2"' in text
    assert f'href="/assessments/{aid}/edit/engagement#evidence_EN1"' not in text
    assert get(app, Assessment, aid).status == "draft" and not events(app, "submit", "assessment")

    data = factories.complete_input(app)
    post_form(client, f"/assessments/{aid}/edit", form_of(app, data, 2))  # every section at once
    assert "Every section is complete." in client.get(f"/assessments/{aid}/check").get_data(as_text=True)
    stale = post_form(client, f"/assessments/{aid}/submit", {"version": "2"}, token_from=f"/assessments/{aid}/check")
    assert stale.headers["Location"] == f"/assessments/{aid}/check" and get(app, Assessment, aid).status == "draft"
    done = post_form(client, f"/assessments/{aid}/submit", {"version": "3"}, token_from=f"/assessments/{aid}/check")
    assert done.headers["Location"] == f"/assessments/{aid}"
    assert get(app, Assessment, aid).status == "submitted" and events(app, "submit", "assessment")
    # a submitted assessment is no longer the author's to edit: its pages send them to the read-only one
    for path in ("edit", "edit/engagement", "check"):
        assert client.get(f"/assessments/{aid}/{path}").headers["Location"] == f"/assessments/{aid}"


def test_unreadable_submission_is_refused_and_the_check_page_it_shows_is_an_audited_view(app, login_as, users,
                                                                                           records, accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"])  # complete, a draft
    client = login_as("assessor")
    mark = len(events(app, "view", "assessment"))
    response = post_form(client, f"/assessments/{aid}/submit", {"version": "2\x07"},
                         token_from=f"/assessments/{aid}/check")  # a control character: the form is refused
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "The assessment was not submitted: the form could not be read." in text
    assert "not complete yet" not in text  # nothing is missing: the page does not say otherwise
    assert "Evidence for EN1: observed on the wing" in text
    assert len(events(app, "view", "assessment")) == mark + 2  # the check page, then the refusal's page
    assert get(app, Assessment, aid).status == "draft" and not events(app, "submit", "assessment")


# --- challenges and the chart -------------------------------------------------------------------------


def test_challenge_is_recorded_and_decided_with_reasons(app, login_as, users, records, accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"],
                                    approver_id=users["supervisor"].id)
    author = login_as("assessor")
    response = post_form(author, f"/assessments/{aid}/challenges", {
        "raised_on": utcnow().date().isoformat(), "raised_by_kind": "lawyer", "raised_by_name": "J. Solicitor",
        "grounds": "The evidence for IN2 comes from one unverified source."}, token_from=f"/assessments/{aid}")
    assert response.status_code == 302
    with app.app_context():
        challenge = db.session.scalars(select(Challenge)).one()
    supervisor = login_as("supervisor")
    bad = post_form(supervisor, f"/challenges/{challenge.id}/decision", {f"c{challenge.id}-outcome": ""},
                    token_from=f"/assessments/{aid}")
    assert bad.status_code == 302 and get(app, Challenge, challenge.id).outcome is None
    post_form(supervisor, f"/challenges/{challenge.id}/decision", {
        f"c{challenge.id}-outcome": "partly_upheld", f"c{challenge.id}-reason": "IN2 rating reduced on amendment."},
        token_from=f"/assessments/{aid}")
    decided = get(app, Challenge, challenge.id)
    assert decided.outcome == "partly_upheld" and decided.decided_by_id == users["supervisor"].id
    page = author.get(f"/assessments/{aid}").get_data(as_text=True)
    assert "Partly upheld" in page
    timeline = author.get(f"/subjects/{records['subject_a']}").get_data(as_text=True)
    assert "Challenge partly upheld" in timeline


def test_challenge_needs_grounds(app, login_as, users, records, accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"],
                                    approver_id=users["supervisor"].id)
    response = post_form(login_as("assessor"), f"/assessments/{aid}/challenges", {
        "raised_on": "", "raised_by_kind": "person", "raised_by_name": "", "grounds": ""},
        token_from=f"/assessments/{aid}")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert 'href="#raised_on"' in text and 'href="#grounds"' in text


def test_judgement_chart_shows_each_approved_judgement(app, login_as, users, records, accredited):
    sid = records["subject_a"]
    text = login_as("assessor").get(f"/subjects/{sid}").get_data(as_text=True)
    assert "No approved assessment yet" in text
    factories.make_assessment(app, users["assessor"].id, sid, approver_id=users["supervisor"].id,
                              judgement="high_concern")
    text = login_as("assessor").get(f"/subjects/{sid}").get_data(as_text=True)
    assert "<svg" in text and text.count("<circle") == 1 and "High concern" in text


def test_chart_module_draws_valid_svg_with_points_in_date_order():
    from datetime import date
    from xml.etree import ElementTree

    from reports.charts import JudgementPoint, judgement_history_svg

    svg = judgement_history_svg([JudgementPoint(date(2026, 3, 1), 2, "High <concern>"),
                                 JudgementPoint(date(2025, 3, 1), 0, "Low")], ["Low", "Moderate", "High <concern>"])
    root = ElementTree.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    circles = root.findall("s:circle", ns)
    assert [c.get("data-date") for c in circles] == ["2025-03-01", "2026-03-01"]
    assert float(circles[0].get("cx")) < float(circles[1].get("cx"))
    assert float(circles[0].get("cy")) > float(circles[1].get("cy"))  # higher concern is drawn higher
    assert root.find("s:polyline", ns) is not None
    assert judgement_history_svg([], ["Low"]) == ""


def test_instrument_notice_is_on_every_assessment_screen(app, login_as, users, records, accredited):
    # One assessment per person and instrument is open at a time: the other one compared is approved.
    other = factories.make_assessment(app, users["probation"].id, records["subject_a"],
                                      approver_id=users["supervisor"].id)
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"])
    author = login_as("assessor")
    for path in (f"/assessments/{aid}", f"/assessments/{aid}/edit", f"/subjects/{records['subject_a']}/screenings/new",
                 f"/assessments/{aid}/compare?with={other}"):
        assert "not a validated instrument" in author.get(path).get_data(as_text=True), path


# --- instrument files at start-up ---------------------------------------------------------------------


def test_start_up_refuses_an_invalid_instrument_file(tmp_path, db_url):
    import shutil

    from app import create_app
    from instruments.loader import DEFAULT_DIRECTORY, InstrumentError

    for path in DEFAULT_DIRECTORY.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    broken = tmp_path / "wp-reception-screening-1.0.yaml"
    broken.write_text(broken.read_text().replace("kind: screening", "kind: questionnaire", 1))
    with pytest.raises(InstrumentError, match=r"wp-reception-screening-1\.0\.yaml: kind"):
        create_app({"SQLALCHEMY_DATABASE_URI": db_url, "INSTRUMENTS_DIR": str(tmp_path)})


def test_start_up_refuses_a_file_changed_under_a_registered_version(app, tmp_path, db_url, users, records,
                                                                     accredited):
    import shutil

    from app import create_app
    from instruments.loader import DEFAULT_DIRECTORY, InstrumentError

    factories.make_assessment(app, users["assessor"].id, records["subject_a"])  # registers the instrument
    for path in DEFAULT_DIRECTORY.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    changed = tmp_path / "wp-structured-assessment-1.0.yaml"
    changed.write_text(changed.read_text() + "\n# an innocent-looking edit\n")
    with pytest.raises(InstrumentError, match="changed after it was registered"):
        create_app({"SQLALCHEMY_DATABASE_URI": db_url, "INSTRUMENTS_DIR": str(tmp_path)})


def test_instruments_validate_command(app, tmp_path):
    from instruments.loader import DEFAULT_DIRECTORY

    runner = app.test_cli_runner()
    result = runner.invoke(args=["instruments", "validate"])
    assert result.exit_code == 0 and result.output.count("ok  ") == len(list(DEFAULT_DIRECTORY.glob("*.yaml")))
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\n")
    result = runner.invoke(args=["instruments", "validate", str(bad)])
    assert result.exit_code != 0 and "bad.yaml" in result.output
