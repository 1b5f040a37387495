"""Traps on the assessment screens (issue 15): one draft per person and instrument, discarding a draft, who
wrote and who countersigned, every return kept, the consistency view by the unit of approval, and the
screening form's shortcuts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import select

from app.assessments.models import Assessment, AssessmentRating
from app.audit.models import AuditEvent
from app.db import db
from tests import factories
from tests.conftest import post_form


@pytest.fixture
def accredited(app, users):
    for key in ("assessor", "probation", "supervisor"):
        factories.accredit(app, users[key].id)


def events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.object_type == "assessment").order_by(AuditEvent.id)))


def count_assessments(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(sa.func.count()).select_from(Assessment)) or 0


def version_of(app: Flask, aid: int) -> int:
    with app.app_context():
        a = db.session.get(Assessment, aid)
        assert a is not None
        return a.version


def start(client, subject_id: int):
    return post_form(client, f"/subjects/{subject_id}/assessments",
                     {"instrument": factories.ASSESSMENT[0], "instrument_version": factories.ASSESSMENT[1]},
                     token_from=f"/subjects/{subject_id}")


def return_with(client, aid: int, version: int, comment: str):
    return post_form(client, f"/assessments/{aid}/return", {"comment": comment, "version": str(version)},
                     token_from=f"/assessments/{aid}")


# --- 1. one draft per person and instrument; discarding a draft -----------------------------------------


def test_starting_twice_goes_back_to_the_same_draft(app, login_as, records, accredited):
    client = login_as("assessor")
    first = start(client, records["subject_a"])
    second = start(client, records["subject_a"])
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert count_assessments(app) == 1
    page = client.get(f"/subjects/{records['subject_a']}").get_data(as_text=True)
    assert 'data-testid="continue-draft"' in page and first.headers["Location"] in page
    assert "Start “" not in page


def test_someone_elses_open_assessment_is_shown_rather_than_a_second_started(app, login_as, users, records,
                                                                              accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"], submit=True)
    client = login_as("probation")
    response = start(client, records["subject_a"])
    assert response.status_code == 302 and response.headers["Location"] == f"/assessments/{aid}"
    assert count_assessments(app) == 1
    page = client.get(f"/subjects/{records['subject_a']}").get_data(as_text=True)
    assert 'data-testid="assessment-in-progress"' in page and "by Assessor" in page


def test_the_service_itself_keeps_one_draft_per_person_and_instrument(app, users, records, accredited):
    from flask import g

    from app.assessments import catalogue, services
    from app.auth.models import User
    from app.subjects.models import Subject

    with app.test_request_context():
        author = db.session.get(User, users["assessor"].id)
        subject = db.session.get(Subject, records["subject_a"])
        assert author is not None and subject is not None
        g.user = author
        first = services.start(author, subject, catalogue.get(*factories.ASSESSMENT))
        again = services.start(author, subject, catalogue.get(*factories.ASSESSMENT))
        assert again.id == first.id
        assert db.session.scalar(select(sa.func.count()).select_from(Assessment)) == 1


def test_two_starts_at_once_on_postgresql_make_one_draft(app, users, records, accredited, dialect):
    # Two app processes, one click each: the first has made its draft and not yet committed when the second
    # asks. The second must wait for the first and find its draft, not make another.
    import threading

    from flask import g

    from app.assessments import catalogue, services
    from app.auth.models import User
    from app.subjects.models import Subject

    if dialect != "postgresql":
        pytest.skip("SQLite serialises every request with BEGIN IMMEDIATE")
    made = threading.Event()
    commit = threading.Event()
    ids: dict[str, int] = {}

    def click(name: str, hold: bool) -> None:
        with app.test_request_context():
            author = db.session.get(User, users["assessor"].id)
            subject = db.session.get(Subject, records["subject_a"])
            assert author is not None and subject is not None
            g.user = author
            ids[name] = services.start(author, subject, catalogue.get(*factories.ASSESSMENT)).id
            if hold:
                made.set()
                commit.wait(10)
            db.session.commit()

    first = threading.Thread(target=click, args=("first", True))
    first.start()
    assert made.wait(10)
    second = threading.Thread(target=click, args=("second", False))
    second.start()
    second.join(1.0)
    waited = second.is_alive()
    commit.set()
    first.join(10)
    second.join(10)
    assert waited, "the second start did not wait for the first"
    assert ids["second"] == ids["first"]
    assert count_assessments(app) == 1


def test_author_discards_a_draft_after_confirming_and_it_is_audited(app, login_as, users, records, accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"])
    client = login_as("assessor")
    page = client.get(f"/assessments/{aid}").get_data(as_text=True)
    assert f'href="/assessments/{aid}/discard"' in page
    confirm = client.get(f"/assessments/{aid}/discard")
    assert confirm.status_code == 200 and "Discard this draft?" in confirm.get_data(as_text=True)
    response = post_form(client, f"/assessments/{aid}/discard", {}, token_from=f"/assessments/{aid}/discard")
    assert response.status_code == 302 and response.headers["Location"] == f"/subjects/{records['subject_a']}"
    assert count_assessments(app) == 0
    with app.app_context():
        assert db.session.scalar(select(sa.func.count()).select_from(AssessmentRating)) == 0
    discarded = events(app, "discard")[-1]
    assert discarded.object_id == str(aid) and discarded.subject_id == records["subject_a"]
    assert start(client, records["subject_a"]).status_code == 302 and count_assessments(app) == 1


def test_discard_needs_a_post_with_csrf(app, users, records, accredited):
    from tests.conftest import signed_in_client

    app.config["WTF_CSRF_ENABLED"] = True
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"])
    client = signed_in_client(app, users["assessor"])
    assert client.post(f"/assessments/{aid}/discard", data={}).status_code == 400
    assert count_assessments(app) == 1
    assert not events(app, "discard")


def test_only_the_author_may_discard_a_draft(app, login_as, users, records, accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"])
    client = login_as("supervisor")
    assert "/discard" not in client.get(f"/assessments/{aid}").get_data(as_text=True)
    response = post_form(client, f"/assessments/{aid}/discard", {}, token_from=f"/assessments/{aid}")
    assert response.status_code == 302 and count_assessments(app) == 1
    denied = events(app, "denied")[-1]
    assert denied.object_id == str(aid) and "Only the author can discard" in denied.details["reason"]


def test_a_returned_draft_cannot_be_discarded(app, login_as, users, records, accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"], submit=True)
    assert return_with(login_as("supervisor"), aid, version_of(app, aid), "IN3 needs a source.").status_code == 302
    client = login_as("assessor")
    assert "/discard" not in client.get(f"/assessments/{aid}").get_data(as_text=True)
    response = post_form(client, f"/assessments/{aid}/discard", {}, token_from=f"/assessments/{aid}")
    assert response.status_code == 302 and count_assessments(app) == 1
    assert "A returned assessment cannot be discarded" in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_discarding_an_amendment_keeps_the_approved_version(app, login_as, users, records, accredited):
    approved = factories.make_assessment(app, users["assessor"].id, records["subject_a"],
                                         approver_id=users["supervisor"].id)
    client = login_as("assessor")
    amended = post_form(client, f"/assessments/{approved}/amend", {}, token_from=f"/assessments/{approved}")
    draft = int(amended.headers["Location"].split("/")[2])
    response = post_form(client, f"/assessments/{draft}/discard", {}, token_from=f"/assessments/{draft}/discard")
    assert response.status_code == 302
    with app.app_context():
        kept = db.session.get(Assessment, approved)
        assert kept is not None and kept.status == "approved" and db.session.get(Assessment, draft) is None
    assert events(app, "discard")[-1].details["amends"] == approved


# --- 2. who wrote it and who countersigned it -----------------------------------------------------------


def authorship(page: str) -> str:
    line = page[page.index('data-testid="status"'):]
    return " ".join(line[:line.index("</p>")].split())


def test_approved_assessment_says_who_wrote_it_and_who_approved_it(app, login_as, users, records, accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"],
                                    approver_id=users["supervisor"].id)
    line = authorship(login_as("assessor").get(f"/assessments/{aid}").get_data(as_text=True))
    assert "Written by Assessor, approved by Supervisor on" in line
    assert "</span> by Assessor" not in line  # the author is never named beside the status as its approver


def test_submitted_and_returned_assessments_say_who_wrote_and_who_returned_them(app, login_as, users, records,
                                                                                accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"], submit=True)
    author = login_as("assessor")
    assert "Written by Assessor, submitted on" in authorship(author.get(f"/assessments/{aid}").get_data(as_text=True))
    return_with(login_as("supervisor"), aid, version_of(app, aid), "IN3 needs a source.")
    line = authorship(author.get(f"/assessments/{aid}").get_data(as_text=True))
    assert "Written by Assessor, returned by Supervisor on" in line


# --- 7. the countersignature at the end, with a confirmation; every return kept ---------------------------


def resubmit_with(app: Flask, aid: int, author_id: int, evidence_en1: str) -> None:
    from flask import g

    from app.assessments import services
    from app.auth.models import User

    with app.test_request_context():
        author = db.session.get(User, author_id)
        a = db.session.get(Assessment, aid)
        assert author is not None and a is not None
        g.user = author
        data = factories.complete_input(app)
        data.evidence["EN1"] = evidence_en1
        services.save_draft(author, a, data, a.version)
        services.submit(author, a, a.version)
        db.session.commit()


def test_every_return_comment_is_kept_and_shown(app, login_as, users, records, accredited):
    from app.assessments.models import AssessmentReturn

    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"], submit=True)
    supervisor = login_as("supervisor")
    return_with(supervisor, aid, version_of(app, aid), "First: IN3 needs a source.")
    resubmit_with(app, aid, users["assessor"].id, "Seen by two officers on 3 March.")
    return_with(supervisor, aid, version_of(app, aid), "Second: the review date is too far.")
    with app.app_context():
        rows = list(db.session.scalars(select(AssessmentReturn).where(AssessmentReturn.assessment_id == aid)
                                       .order_by(AssessmentReturn.id)))
        assert [(r.comment, r.returned_by_id) for r in rows] == [
            ("First: IN3 needs a source.", users["supervisor"].id),
            ("Second: the review date is too far.", users["supervisor"].id)]
    page = login_as("assessor").get(f"/assessments/{aid}").get_data(as_text=True)
    table = page[page.index('data-testid="returns"'):]
    table = table[:table.index("</table>")]
    assert "First: IN3 needs a source." in table and "Second: the review date is too far." in table


def test_the_subject_access_report_lists_every_return(app, login_as, users, records, accredited):
    from tests.test_exports_subject_access import REQUEST, pdf_text

    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"], submit=True)
    supervisor = login_as("supervisor")
    return_with(supervisor, aid, version_of(app, aid), "First: IN3 needs a source.")
    resubmit_with(app, aid, users["assessor"].id, "Seen by two officers on 3 March.")
    return_with(supervisor, aid, version_of(app, aid), "Second: the review date is too far.")
    response = post_form(supervisor, f"/subjects/{records['subject_a']}/export/subject-access", REQUEST)
    text = pdf_text(response.data)
    assert "First: IN3 needs a source." in text and "Second: the review date is too far." in text
    assert "Returned to the author (1 of 2)" in text and "Returned to the author (2 of 2)" in text


def test_the_resubmission_shows_what_changed_since_it_was_returned(app, login_as, users, records, accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"], submit=True)
    supervisor = login_as("supervisor")
    return_with(supervisor, aid, version_of(app, aid), "EN1: say who saw it.")
    resubmit_with(app, aid, users["assessor"].id, "Seen by two officers on 3 March.")
    page = supervisor.get(f"/assessments/{aid}").get_data(as_text=True)
    section = page[page.index('data-testid="changed-since-return"'):]
    section = section[:section.index("</section>")]
    assert "EN1: say who saw it." in section
    assert "Evidence for EN1: observed on the wing, recorded by staff." in section  # as returned
    assert "Seen by two officers on 3 March." in section  # now
    assert "EN2" not in section  # only what changed


def test_the_countersignature_comes_at_the_end_of_the_assessment(app, login_as, users, records, accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"], submit=True)
    page = login_as("supervisor").get(f"/assessments/{aid}").get_data(as_text=True)
    assert page.index("Countersignature") > page.index("The person's view") > page.index("Overall judgement")
    assert f'href="/assessments/{aid}/approve/confirm"' in page
    assert "Approve</button>" not in page  # approving goes through the confirmation


def test_approval_is_confirmed_on_a_page_that_says_what_is_locked(app, login_as, users, records, accredited):
    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"], submit=True)
    supervisor = login_as("supervisor")
    confirm = supervisor.get(f"/assessments/{aid}/approve/confirm")
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Approve the assessment of Alice Archer?" in text
    assert "locks it" in text and f'action="/assessments/{aid}/approve"' in text and "Approve</button>" in text
    with app.app_context():
        a = db.session.get(Assessment, aid)
        assert a is not None and a.status == "submitted"  # nothing decided by reading the confirmation
    response = post_form(supervisor, f"/assessments/{aid}/approve", {"version": str(version_of(app, aid))},
                         token_from=f"/assessments/{aid}/approve/confirm")
    assert response.status_code == 302
    with app.app_context():
        a = db.session.get(Assessment, aid)
        assert a is not None and a.status == "approved"


def test_the_author_gets_no_confirmation_page_for_their_own_assessment(app, login_as, users, records, accredited):
    aid = factories.make_assessment(app, users["supervisor"].id, records["subject_a"], submit=True)
    assert login_as("supervisor").get(f"/assessments/{aid}/approve/confirm").status_code == 403
    assert events(app, "denied")[-1].object_id == str(aid)


def test_the_last_return_comment_is_migrated_into_the_returns_table(app, users, records, accredited, db_url):
    from alembic import command

    from app.assessments import services
    from app.auth.models import User
    from tests.conftest import alembic_config

    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"], submit=True)
    with app.test_request_context():
        from flask import g

        supervisor = db.session.get(User, users["supervisor"].id)
        a = db.session.get(Assessment, aid)
        assert supervisor is not None and a is not None
        g.user = supervisor
        services.return_to_author(supervisor, a, "Returned before the table existed.", a.version)
        db.session.commit()
    app.extensions["waypoint_engine"].dispose()
    cfg = alembic_config(db_url)
    command.downgrade(cfg, "b3e1d7a4c920")
    command.upgrade(cfg, "head")
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT assessment_id, comment, returned_by_id FROM assessment_returns")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(aid, "Returned before the table existed.", users["supervisor"].id)]


# --- 3. the consistency view counts an assessment where it was written and approved ----------------------


def transfer_to_b(app: Flask, users, records, units) -> None:
    from flask import g

    from app.auth.models import User
    from app.db import utcnow
    from app.subjects import services as subject_services
    from app.subjects.models import Subject

    with app.test_request_context():
        supervisor = db.session.get(User, users["supervisor"].id)
        subject = db.session.get(Subject, records["subject_a"])
        assert supervisor is not None and subject is not None
        g.user = supervisor
        subject_services.transfer(supervisor, subject, units["B"], "community_sentence", utcnow().date(),
                                  "Moved to the probation region on release")
        db.session.commit()


def alpha_row(page: str) -> str:
    row = page[page.index('fw-normal">HMP Alpha</th>'):]
    return " ".join(row[:row.index("</tr>")].split())


def test_consistency_counts_an_assessment_under_the_unit_where_it_was_approved(app, login_as, users, records,
                                                                               units, accredited):
    factories.make_assessment(app, users["assessor"].id, records["subject_a"], approver_id=users["supervisor"].id,
                              judgement="high_concern")
    transfer_to_b(app, users, records, units)
    page = login_as("supervisor").get("/assessments/consistency").get_data(as_text=True)
    by_unit = page[:page.index("By assessor")]
    assert 'fw-normal">HMP Alpha</th>' in by_unit, "the approval in HMP Alpha left its count after the transfer"
    assert '<td class="text-end">1</td>' in alpha_row(by_unit)  # one approved there
    with app.app_context():
        a = db.session.scalars(select(Assessment)).one()
        assert a.unit_id == units["A"]


def test_the_unit_of_earlier_approvals_is_filled_in_from_the_movements(app, users, records, units, accredited,
                                                                        db_url):
    from alembic import command

    from tests.conftest import alembic_config

    aid = factories.make_assessment(app, users["assessor"].id, records["subject_a"],
                                    approver_id=users["supervisor"].id)
    transfer_to_b(app, users, records, units)
    app.extensions["waypoint_engine"].dispose()
    cfg = alembic_config(db_url)
    command.downgrade(cfg, "64afdb5368bc")
    command.upgrade(cfg, "head")
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        unit = conn.execute(sa.text("SELECT unit_id FROM assessments WHERE id = :id"), {"id": aid}).scalar()
    engine.dispose()
    assert unit == units["A"]  # where it was approved, not B where the person is now


# --- 8. the screening form: today's date, and "none observed" in one step ---------------------------------


def test_the_screening_form_prefills_todays_date(app, login_as, records):
    from app.db import utcnow

    page = login_as("assessor").get(f"/subjects/{records['subject_a']}/screenings/new").get_data(as_text=True)
    field = page[page.index('id="screened_on"') - 200:page.index('id="screened_on"') + 200]
    assert f'value="{utcnow().date().isoformat()}"' in field


def test_none_observed_sets_every_unanswered_item_without_javascript_and_saves_nothing(app, login_as, records):
    from app.assessments import catalogue
    from app.assessments.models import Screening

    sid = records["subject_a"]
    with app.app_context():
        items = catalogue.get(*factories.SCREENING).items()
    client = login_as("assessor")
    first = items[0].code
    response = post_form(client, f"/subjects/{sid}/screenings/new",
                         {"action": "none_observed", f"item_{first}": "observed", f"note_{first}": "Leaflets.",
                          "occasion": "Reception"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for item in items[1:]:
        assert _checked(page, item.code, "not_observed"), item.code
    assert _checked(page, first, "observed")  # an answer already given is kept
    assert "Leaflets." in page and 'value="Reception"' in page  # nothing typed is lost
    assert "Check them, then save the screening." in page
    with app.app_context():
        assert db.session.scalar(select(sa.func.count()).select_from(Screening)) == 0


def _checked(page: str, code: str, value: str) -> bool:
    """Whether the radio button of `code` with `value` is checked, whatever the attribute order."""
    import re

    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="item_{code}"' in tag and f'value="{value}"' in tag:
            return "checked" in tag
    return False
