"""Interventions: every transition and refusal, sessions, outcomes, observations, scoping, statistics on
fixed data, charts and caseload views."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.db import db, utcnow
from app.interventions.models import Intervention, InterventionSession, Observation
from tests import factories
from tests.conftest import post_form


def get_iv(app: Flask, ident: int) -> Intervention:
    with app.app_context():
        iv = db.session.get(Intervention, ident)
        assert iv is not None
        _ = iv.goals, iv.sessions, iv.factors
        return iv


def events(app: Flask, object_type: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == object_type)
                                       .order_by(AuditEvent.id)))


def today() -> date:
    return utcnow().date()


def referral_form(users, **overrides: object) -> dict[str, object]:
    form: dict[str, object] = {"type": "mentoring", "provider": "Pathways Mentoring Trust",
                               "owner": str(users["probation"].id), "referred_on": today().isoformat(),
                               "goals": "Attend every session\nName one new source of support"}
    form.update(overrides)
    return form


def transition(client, iv_id: int, to: str, version: int, on: date | None = None, reason: str = ""):
    return post_form(client, f"/interventions/{iv_id}/status",
                     {"to_status": to, "on": (on or today()).isoformat(), "reason": reason,
                      "version": str(version)}, token_from=f"/interventions/{iv_id}")


# --- referral and lifecycle ---------------------------------------------------------------------------


def test_referral_links_goals_and_factors_of_the_latest_approved_assessment(app, login_as, users, records):
    for key in ("assessor", "supervisor"):
        factories.accredit(app, users[key].id)
    factories.make_assessment(app, users["assessor"].id, records["subject_a"], approver_id=users["supervisor"].id)
    client = login_as("probation")
    response = post_form(client, f"/subjects/{records['subject_a']}/interventions/new",
                         referral_form(users, item_codes=["IN1", "PR2"]))
    assert response.status_code == 302
    iv = get_iv(app, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert iv.status == "referred" and iv.owner_id == users["probation"].id
    assert [g.text for g in iv.goals] == ["Attend every session", "Name one new source of support"]
    assert [f.item_code for f in iv.factors] == ["IN1", "PR2"] and iv.assessment_id is not None
    created = events(app, "intervention")[-1]
    assert created.action == "create" and created.details["factors"] == ["IN1", "PR2"]
    assert "Attend every session" not in str(created.details)  # narrative stays out of the audit trail


def test_invalid_referral_lists_every_problem_and_saves_nothing(app, login_as, users, records):
    response = post_form(login_as("probation"), f"/subjects/{records['subject_a']}/interventions/new",
                         referral_form(users, type="", provider="", goals="", owner=str(users["assessor_b"].id),
                                       referred_on="2099-01-01", item_codes=["IN1"]))
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    for name in ("type", "provider", "owner", "referred_on", "goals"):
        assert f'href="#{name}"' in text, name
    with app.app_context():
        assert db.session.scalars(select(Intervention)).first() is None


def test_every_valid_transition_is_dated_and_audited(app, login_as, users, records):
    iv_id = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id,
                                        activate=False)
    owner = login_as("probation")
    assert transition(owner, iv_id, "accepted", 1, today() - timedelta(days=3)).status_code == 302
    assert transition(owner, iv_id, "active", 2, today() - timedelta(days=1)).status_code == 302
    iv = get_iv(app, iv_id)
    assert iv.status == "active" and iv.accepted_on == today() - timedelta(days=3)
    assert iv.started_on == today() - timedelta(days=1)
    changes = [e.details["changes"]["status"] for e in events(app, "intervention") if e.action == "update"]
    assert changes == [["referred", "accepted"], ["accepted", "active"]]


@pytest.mark.parametrize(("start_active", "to", "message"), [
    (False, "active", "From referred it can become: accepted, declined, withdrawn"),
    (False, "completed", "Close with outcomes"),
    (True, "declined", "From active it can become: completed, withdrawn"),
])
def test_invalid_transition_is_refused_with_a_message(app, login_as, users, records, start_active, to, message):
    iv_id = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id,
                                        activate=start_active)
    before = get_iv(app, iv_id)
    response = transition(login_as("probation"), iv_id, to, before.version)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("“", "").replace("”", "")
    assert get_iv(app, iv_id).status == before.status


@pytest.mark.parametrize("to", ["withdrawn", "declined"])
def test_withdrawal_and_decline_need_a_reason(app, login_as, users, records, to):
    iv_id = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id,
                                        activate=False)
    owner = login_as("probation")
    assert transition(owner, iv_id, to, 1).status_code == 400
    assert get_iv(app, iv_id).status == "referred"
    assert transition(owner, iv_id, to, 1, reason="Moved to another prison before it started").status_code == 302
    iv = get_iv(app, iv_id)
    assert iv.status == to and iv.end_reason.startswith("Moved") and iv.ended_on == today()


@pytest.mark.parametrize("activate", [False, True], ids=["accepted", "active"])
def test_accepted_or_active_intervention_is_withdrawn_with_a_reason(app, login_as, users, records, activate):
    iv_id = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id,
                                        activate=False)
    owner = login_as("probation")
    assert transition(owner, iv_id, "accepted", 1, today() - timedelta(days=4)).status_code == 302
    if activate:
        assert transition(owner, iv_id, "active", 2, today() - timedelta(days=3)).status_code == 302
    iv = get_iv(app, iv_id)
    before = iv.status
    response = transition(owner, iv_id, "withdrawn", iv.version, reason="Released before the course ended")
    assert response.status_code == 302
    iv = get_iv(app, iv_id)
    assert iv.status == "withdrawn" and iv.ended_on == today() and iv.end_reason.startswith("Released")
    last = events(app, "intervention")[-1]
    assert last.action == "update" and last.details["changes"] == {"status": [before, "withdrawn"]}


def bring_to(app: Flask, users, subject_id: int, status: str) -> int:
    """An intervention taken through the services to a closed status: completed, withdrawn or declined."""
    from app.auth.models import User
    from app.interventions import services

    iv_id = factories.make_intervention(app, users["assessor"].id, subject_id, users["probation"].id,
                                        activate=status == "completed")
    with app.app_context():
        from flask import g

        owner = db.session.get(User, users["probation"].id)
        iv = db.session.get(Intervention, iv_id)
        assert owner is not None and iv is not None
        g.user = owner
        if status == "completed":
            services.close(owner, iv, today(), {goal.id: "achieved" for goal in iv.goals},
                           "Completed with every goal met.", iv.version)
        else:
            services.transition(owner, iv, status, today(), "The person moved away", iv.version)
        db.session.commit()
    return iv_id


@pytest.mark.parametrize("closed", ["completed", "withdrawn", "declined"])
def test_a_closed_intervention_cannot_change_status(app, login_as, users, records, closed):
    iv_id = bring_to(app, users, records["subject_a"], closed)
    iv = get_iv(app, iv_id)
    assert iv.status == closed
    supervisor = login_as("supervisor")
    for to in ("referred", "accepted", "active", "withdrawn", "declined"):
        response = transition(supervisor, iv_id, to, iv.version, reason="Trying to reopen it")
        assert response.status_code == 400, to
        assert "it can become: nothing (it is closed)" in response.get_data(as_text=True), to
    after = get_iv(app, iv_id)
    assert (after.status, after.version, after.ended_on, after.end_reason) == (closed, iv.version, iv.ended_on,
                                                                              iv.end_reason)


def intervention_in(app, login_as, users, records, status: str) -> int:
    """An intervention of subject A, owned by the probation officer, brought to `status`."""
    if status in ("withdrawn", "completed"):
        return bring_to(app, users, records["subject_a"], status)
    iv_id = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id,
                                        activate=False)
    if status == "accepted":
        transition(login_as("probation"), iv_id, "accepted", 1)
    return iv_id


@pytest.mark.parametrize("status", ["referred", "accepted", "withdrawn", "completed"])
def test_only_an_active_intervention_can_be_closed(app, login_as, users, records, status):
    iv_id = intervention_in(app, login_as, users, records, status)
    iv = get_iv(app, iv_id)
    response = post_form(login_as("probation"), f"/interventions/{iv_id}/close", {
        **{f"goal_{g.id}": "achieved" for g in iv.goals}, "summary": "Closing it on paper only.",
        "on": today().isoformat(), "version": str(iv.version)})
    assert response.status_code == 400
    assert "Only an active intervention can be completed" in response.get_data(as_text=True)
    after = get_iv(app, iv_id)
    assert (after.status, after.version) == (status, iv.version)
    assert after.outcome_summary in ("", None, iv.outcome_summary)


@pytest.mark.parametrize("status", ["referred", "accepted", "withdrawn", "completed"])
def test_a_session_is_not_recorded_on_an_intervention_that_is_not_active(app, login_as, users, records, status):
    iv_id = intervention_in(app, login_as, users, records, status)
    client = login_as("probation")
    response = post_form(client, f"/interventions/{iv_id}/sessions/new",
                         {"held_on": today().isoformat(), "attendance": "attended", "engagement": "4"},
                         token_from=f"/interventions/{iv_id}")
    assert response.status_code == 302 and response.headers["Location"] == f"/interventions/{iv_id}"
    assert "Sessions are recorded while the intervention is active" in client.get(
        response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(InterventionSession)).first() is None
    assert not [e for e in events(app, "intervention_session")]


def test_the_session_service_refuses_an_intervention_that_is_not_active(app, users, records):
    from app.auth.models import User
    from app.errors import NotAllowed
    from app.interventions import services

    iv_id = bring_to(app, users, records["subject_a"], "completed")
    with app.app_context():
        owner = db.session.get(User, users["probation"].id)
        iv = db.session.get(Intervention, iv_id)
        assert owner is not None and iv is not None
        with pytest.raises(NotAllowed):
            services.record_session(owner, iv, services.SessionValues(today(), "attended", 3))


def test_only_the_owner_or_a_supervisor_changes_the_status(app, login_as, users, records):
    iv_id = factories.make_intervention(app, users["probation"].id, records["subject_a"], users["probation"].id,
                                        activate=False)
    assert transition(login_as("assessor"), iv_id, "accepted", 1).status_code == 403
    assert transition(login_as("supervisor"), iv_id, "accepted", 1).status_code == 302


def test_stale_status_change_is_refused_without_overwriting(app, login_as, users, records):
    iv_id = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id,
                                        activate=False)
    owner, supervisor = login_as("probation"), login_as("supervisor")
    assert transition(owner, iv_id, "accepted", 1).status_code == 302
    stale = transition(supervisor, iv_id, "withdrawn", 1, reason="Place withdrawn by provider")
    assert stale.status_code == 302
    assert get_iv(app, iv_id).status == "accepted"  # the stale withdrawal changed nothing
    assert "changed by someone else" in supervisor.get(stale.headers["Location"]).get_data(as_text=True)


# --- sessions, statistics, charts ------------------------------------------------------------------------


def test_session_form_is_prefilled_from_the_last_session(app, login_as, users, records):
    iv_id = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id)
    factories.add_session(app, users["probation"].id, iv_id, days_ago=20, attendance="late", engagement=2)
    text = login_as("probation").get(f"/interventions/{iv_id}/sessions/new").get_data(as_text=True)
    assert f'value="{(today() - timedelta(days=13)).isoformat()}"' in text
    assert 'value="late" checked' in text


def checked_radios(page: str) -> dict[str, list[str]]:
    """name -> the values of the radio buttons the page preselects, as a browser would submit them."""
    found: dict[str, list[str]] = {}
    for tag in re.findall(r'<input[^>]*type="radio"[^>]*>', page):
        if re.search(r"\schecked\b", tag):
            name = re.search(r'name="([^"]*)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            assert name is not None and value is not None
            found.setdefault(name.group(1), []).append(value.group(1))
    return found


def test_session_form_never_preselects_not_rated_beside_an_attendance(app, login_as, users, records):
    iv_id = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id)
    client = login_as("probation")
    first = client.get(f"/interventions/{iv_id}/sessions/new").get_data(as_text=True)
    assert checked_radios(first) == {"attendance": ["attended"]}  # no rating chosen, not "Not rated"
    assert "taken from the last session" not in first
    assert "first session recorded" in first
    factories.add_session(app, users["probation"].id, iv_id, days_ago=3, attendance="missed_acceptable",
                          engagement=None)
    after_a_missed_one = client.get(f"/interventions/{iv_id}/sessions/new").get_data(as_text=True)
    defaults = checked_radios(after_a_missed_one)
    assert defaults == {"attendance": ["missed_acceptable"], "engagement": [""]}
    assert "taken from the last session" in after_a_missed_one
    saved = post_form(client, f"/interventions/{iv_id}/sessions/new",
                      {"held_on": today().isoformat(), **{k: v[0] for k, v in defaults.items()}})
    assert saved.status_code == 302


def test_engagement_is_rated_only_for_attended_sessions_with_anchored_values(app, login_as, users, records):
    iv_id = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id)
    client = login_as("assessor")
    url = f"/interventions/{iv_id}/sessions/new"
    missed = post_form(client, url, {"held_on": today().isoformat(), "attendance": "missed_unacceptable",
                                     "engagement": "4"})
    assert missed.status_code == 400 and "only when the person attended" in missed.get_data(as_text=True)
    unrated = post_form(client, url, {"held_on": today().isoformat(), "attendance": "attended"})
    assert unrated.status_code == 400 and "Rate the engagement from 1 to 5" in unrated.get_data(as_text=True)
    assert "Took part when prompted" in unrated.get_data(as_text=True)  # the written anchors are on the form
    ok = post_form(client, url, {"held_on": today().isoformat(), "attendance": "attended", "engagement": "4",
                                 "next": "another", "notes": "Talked about his brother."})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/sessions/new")
    with app.app_context():
        assert db.session.scalars(select(InterventionSession)).one().engagement == 4


def test_sessions_are_recorded_only_while_active(app, login_as, users, records):
    iv_id = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id,
                                        activate=False)
    response = login_as("probation").get(f"/interventions/{iv_id}/sessions/new")
    assert response.status_code == 302


def test_attendance_and_engagement_statistics_on_fixed_data(app, users, records):
    from app.interventions import queries

    iv_id = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id)
    for days_ago, attendance, engagement in [(35, "attended", 2), (28, "late", 3), (21, "missed_unacceptable", None),
                                             (14, "missed_acceptable", None), (7, "cancelled_by_provider", None),
                                             (1, "attended", 5)]:
        factories.add_session(app, users["probation"].id, iv_id, days_ago, attendance, engagement)
    with app.app_context():
        iv = db.session.get(Intervention, iv_id)
        assert iv is not None
        rate = queries.attendance_rate(iv.sessions)
        assert (rate.present, rate.expected, rate.percent) == (3, 5, 60)  # provider cancellation not counted
        assert queries.mean_engagement(iv.sessions) == pytest.approx(3.3)
        points = queries.engagement_points(iv)
        assert [(p.level, p.label) for p in points] == [(1, "2"), (2, "3"), (4, "5")]


def test_engagement_chart_renders_valid_svg_with_the_expected_points(app, login_as, users, records):
    from xml.etree import ElementTree

    iv_id = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id)
    factories.add_session(app, users["probation"].id, iv_id, 14, "attended", 2)
    factories.add_session(app, users["probation"].id, iv_id, 7, "missed_unacceptable", None)
    factories.add_session(app, users["probation"].id, iv_id, 1, "attended", 4)
    text = login_as("probation").get(f"/interventions/{iv_id}").get_data(as_text=True)
    start = text.index("<svg")
    svg = ElementTree.fromstring(text[start:text.index("</svg>", start) + 6])
    circles = svg.findall("{http://www.w3.org/2000/svg}circle")
    assert [c.get("data-level") for c in circles] == ["1", "3"]
    assert float(circles[0].get("cy")) > float(circles[1].get("cy"))
    assert "67% (2 of 3)" in text


def test_the_intervention_page_marks_missed_and_cancelled_sessions_on_the_chart(app, login_as, users, records):
    iv_id = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id)
    factories.add_session(app, users["probation"].id, iv_id, 14, "attended", 2)
    factories.add_session(app, users["probation"].id, iv_id, 10, "cancelled_by_provider", None)
    factories.add_session(app, users["probation"].id, iv_id, 7, "missed_unacceptable", None)
    factories.add_session(app, users["probation"].id, iv_id, 1, "attended", 4)
    text = login_as("probation").get(f"/interventions/{iv_id}").get_data(as_text=True)
    svg = text[text.index("<svg"):text.index("</svg>")]
    assert f'data-date="{(today() - timedelta(days=7)).isoformat()}" data-mark="missed"' in svg
    assert f'data-date="{(today() - timedelta(days=10)).isoformat()}" data-mark="cancelled"' in svg
    assert f"{(today() - timedelta(days=7)).isoformat()}: missed, without an acceptable reason" in svg


# --- closing with outcomes --------------------------------------------------------------------------------


def test_closing_needs_every_goal_rated_and_a_summary(app, login_as, users, records):
    iv_id = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id)
    iv = get_iv(app, iv_id)
    owner = login_as("probation")
    url = f"/interventions/{iv_id}/close"
    first, second = iv.goals
    partial = post_form(owner, url, {f"goal_{first.id}": "achieved", "summary": "", "on": today().isoformat(),
                                     "version": str(iv.version)})
    assert partial.status_code == 400
    text = partial.get_data(as_text=True)
    assert f'href="#goal_{second.id}"' in text and 'href="#summary"' in text
    done = post_form(owner, url, {f"goal_{first.id}": "achieved", f"goal_{second.id}": "partly_achieved",
                                  "summary": "Attended well; support network still thin.", "on": today().isoformat(),
                                  "version": str(iv.version)})
    assert done.status_code == 302
    closed = get_iv(app, iv_id)
    assert closed.status == "completed" and [g.outcome for g in closed.goals] == ["achieved", "partly_achieved"]
    assert closed.outcome_summary.startswith("Attended well")
    assert "Achieved" in owner.get(f"/interventions/{iv_id}").get_data(as_text=True)


def test_assessor_who_does_not_own_it_cannot_close(app, login_as, users, records):
    iv_id = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id)
    assert login_as("assessor").get(f"/interventions/{iv_id}/close").status_code == 403


# --- observations, scoping ----------------------------------------------------------------------------------


def test_observation_is_recorded_and_supervisors_see_all_of_their_units(app, login_as, users, records):
    client = login_as("assessor")
    bad = post_form(client, f"/subjects/{records['subject_a']}/observations/new",
                    {"observed_on": "", "category": "", "source": "", "text": ""})
    assert bad.status_code == 400
    for name in ("observed_on", "category", "source", "text"):
        assert f'href="#{name}"' in bad.get_data(as_text=True)
    response = post_form(client, f"/subjects/{records['subject_a']}/observations/new", {
        "observed_on": today().isoformat(), "category": "incident", "source": "Wing officer D. Shaw",
        "text": "Seen handing leaflets to two new arrivals at association."})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Observation)).one().category == "incident"
    supervisor_page = login_as("supervisor").get("/observations").get_data(as_text=True)
    assert "handing leaflets" in supervisor_page
    assert "handing leaflets" in client.get(f"/subjects/{records['subject_a']}").get_data(as_text=True)
    created = [e for e in events(app, "observation") if e.action == "create"]
    assert [e.details for e in created] == [{"category": "incident"}]


def test_interventions_and_observations_of_another_unit_are_404(app, login_as, users, records):
    iv_id = factories.make_intervention(app, users["assessor_b"].id, records["subject_b"], users["assessor_b"].id)
    client = login_as("assessor")
    for path in (f"/interventions/{iv_id}", f"/interventions/{iv_id}/sessions/new", f"/interventions/{iv_id}/close",
                 f"/subjects/{records['subject_b']}/observations/new",
                 f"/subjects/{records['subject_b']}/interventions/new"):
        assert client.get(path).status_code == 404, path
    assert transition(client, iv_id, "withdrawn", 3, reason="Trying from outside").status_code == 404
    assert get_iv(app, iv_id).status == "active"


def test_views_of_an_intervention_are_audited(app, login_as, users, records):
    iv_id = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id)
    login_as("supervisor").get(f"/interventions/{iv_id}")
    assert [e.action for e in events(app, "intervention")][-1] == "view"


# --- caseload views ---------------------------------------------------------------------------------------


def test_caseload_view_shows_active_missed_and_quiet_interventions(app, login_as, users, records):
    quiet = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id,
                                        started_days_ago=40)
    factories.add_session(app, users["probation"].id, quiet, days_ago=25)
    busy = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id,
                                       started_days_ago=10)
    factories.add_session(app, users["probation"].id, busy, days_ago=3, attendance="missed_unacceptable",
                          engagement=None)
    home = login_as("probation").get("/").get_data(as_text=True)
    active = home[home.index('data-testid="active-interventions"'):]
    assert active.count("<li>") >= 2
    missed = home[home.index('data-testid="missed-sessions"'):home.index("</ul>", home.index('data-testid="missed'))]
    assert f"/interventions/{busy}" in missed and f"/interventions/{quiet}" not in missed
    quiet_list = home[home.index('data-testid="quiet-interventions"'):]
    quiet_list = quiet_list[:quiet_list.index("</ul>")]
    assert f"/interventions/{quiet}" in quiet_list and f"/interventions/{busy}" not in quiet_list


def test_timeline_shows_interventions_sessions_and_observations_in_order_with_the_assessments(app, login_as, users,
                                                                                             records):
    from app.auth.models import User
    from app.interventions import services
    from app.subjects.models import Subject

    sid = records["subject_a"]
    iv_id = factories.make_intervention(app, users["assessor"].id, sid, users["probation"].id)  # started 40 days ago
    factories.add_session(app, users["probation"].id, iv_id, days_ago=5, attendance="missed_acceptable",
                          engagement=None)
    with app.app_context():
        from flask import g

        author = db.session.get(User, users["assessor"].id)
        subject = db.session.get(Subject, sid)
        assert author is not None and subject is not None
        g.user = author
        services.record_observation(author, subject, today() - timedelta(days=20), "positive_engagement",
                                    "Wing officer", "Helped a new arrival settle in, unprompted.")
        db.session.commit()
    for key in ("assessor", "supervisor"):
        factories.accredit(app, users[key].id)
    factories.make_assessment(app, users["assessor"].id, sid, approver_id=users["supervisor"].id)  # today
    text = login_as("assessor").get(f"/subjects/{sid}").get_data(as_text=True)
    timeline = text[text.index('data-testid="timeline"'):]
    newest_first = ("Assessment approved", "Assessment started",
                    "Mentoring session: missed, with an acceptable reason", "Observation: Positive engagement",
                    "Mentoring started", "Mentoring accepted", "Referred to Mentoring")
    order = [timeline.index(s) for s in newest_first]
    assert order == sorted(order)


def test_steps_cannot_be_dated_before_the_step_they_follow(app, login_as, users, records):
    iv_id = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id,
                                        activate=False)
    owner = login_as("probation")
    assert transition(owner, iv_id, "accepted", 1, today() - timedelta(days=2)).status_code == 302
    early = transition(owner, iv_id, "active", 2, today() - timedelta(days=3))
    assert early.status_code == 400 and "cannot be before the previous step" in early.get_data(as_text=True)
    assert transition(owner, iv_id, "active", 2, today() - timedelta(days=1)).status_code == 302
    factories.add_session(app, users["probation"].id, iv_id, days_ago=0)
    iv = get_iv(app, iv_id)
    response = post_form(owner, f"/interventions/{iv_id}/close", {
        **{f"goal_{g.id}": "achieved" for g in iv.goals}, "summary": "Closed too early on paper.",
        "on": (today() - timedelta(days=1)).isoformat(), "version": str(iv.version)})
    assert response.status_code == 400 and "before the start or the last session" in response.get_data(as_text=True)


def test_same_day_steps_appear_newest_first_on_the_timeline(app, login_as, users, records):
    iv_id = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id,
                                        activate=False, started_days_ago=-5)  # referred today
    owner = login_as("probation")
    transition(owner, iv_id, "accepted", 1)
    transition(owner, iv_id, "active", 2)
    text = login_as("assessor").get(f"/subjects/{records['subject_a']}").get_data(as_text=True)
    timeline = text[text.index('data-testid="timeline"'):]
    positions = [timeline.index(s) for s in ("Mentoring started", "Mentoring accepted", "Referred to Mentoring")]
    assert positions == sorted(positions)


def test_a_mistaken_engagement_rating_can_be_taken_back(login_as, users, records, app):
    iv_id = factories.make_intervention(app, users["assessor"].id, records["subject_a"], users["probation"].id)
    form = login_as("probation").get(f"/interventions/{iv_id}/sessions/new").get_data(as_text=True)
    assert "Not rated (they did not attend)" in form
