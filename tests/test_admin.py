"""User and unit administration through the admin pages, and the password policy."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import Unit, User
from app.db import db
from tests.conftest import post_form


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def new_user_form(**overrides: object) -> dict[str, object]:
    form = {"username": "jo.bloggs", "display_name": "Jo Bloggs", "role": "assessor", "units": ["UNIT-A"],
            "password": "harbour-violet-summit-12"}
    form.update(overrides)
    return form


def test_admin_creates_a_user_who_must_change_the_initial_password(app, login_as, users):
    admin = login_as("admin")
    response = post_form(admin, "/admin/users/new", new_user_form())
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == "jo.bloggs")).one()
        assert user.must_change_password and user.role == "assessor"
        assert [u.code for u in user.units] == ["UNIT-A"]
        assert user.password_hash.startswith("$argon2id$")
    created = [e for e in events(app, "create") if e.object_type == "user" and e.actor_username == "admin"]
    assert created and created[0].details["changes"]["role"] == [None, "assessor"]
    assert "harbour-violet-summit-12" not in str(created[0].details)


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("a" * 11, False),  # 11 characters
        ("password12345", False),  # common
        ("Tg7#kq2!Lm9@Vw4zXr5$Bn8^Hc3&Jp6*Qs1(Fd0)Ky2!Wz7#Mg4@Lt9%Nb5^Rv8&", True),  # 64 characters
        ("x" + "Tg7#kq2!Lm9@Vw4z" * 8, False),  # 129 characters
    ],
)
def test_password_policy_length_and_strength(app, login_as, users, password, accepted):
    admin = login_as("admin")
    response = post_form(admin, "/admin/users/new", new_user_form(password=password))
    assert (response.status_code == 302) is accepted
    if not accepted:
        text = response.get_data(as_text=True)
        assert response.status_code == 400
        assert 'href="#password"' in text
        assert 'value="jo.bloggs"' in text and 'value="Jo Bloggs"' in text  # what was typed is kept


def test_128_characters_are_accepted_and_129_refused(app):
    from app.auth.passwords import password_problems

    strong = "Tg7#kq2!Lm9@Vw4z" * 8
    with app.app_context():
        assert len(strong) == 128 and password_problems(strong) == []
        assert password_problems(strong + "x") == ["Use at most 128 characters."]


def test_invalid_user_form_lists_every_problem_and_writes_nothing(app, login_as, users):
    admin = login_as("admin")
    response = post_form(admin, "/admin/users/new", new_user_form(username="Bad Name!", units=[],
                                                                 display_name="", password="password12345"))
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    for field in ("username", "display_name", "units", "password"):
        assert f'href="#{field}"' in text, field  # every problem in one pass, each linked to its field
    assert 'value="Bad Name!"' in text
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "bad name!")) is None


def test_duplicate_username_is_refused_with_a_clear_message(login_as, users):
    admin = login_as("admin")
    response = post_form(admin, "/admin/users/new", new_user_form(username="assessor"))
    assert response.status_code == 400
    assert "already taken" in response.get_data(as_text=True)


def test_admin_edits_role_and_units_and_the_change_is_audited_field_by_field(app, login_as, users):
    admin = login_as("admin")
    uid = users["assessor"].id
    response = post_form(admin, f"/admin/users/{uid}", {"display_name": "Alex A.", "role": "supervisor",
                                                         "units": ["UNIT-A", "UNIT-B"], "version": "1"})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, uid)
        assert user is not None and user.role == "supervisor" and user.version == 2
    update = next(e for e in events(app, "update") if e.object_type == "user")
    assert update.details["changes"]["role"] == ["assessor", "supervisor"]
    assert update.details["changes"]["units"] == [["UNIT-A"], ["UNIT-A", "UNIT-B"]]


def test_stale_user_form_gets_409_and_overwrites_nothing(app, login_as, users):
    first, second = login_as("admin"), login_as("admin")
    uid = users["assessor"].id
    base = {"role": "assessor", "units": ["UNIT-A"], "version": "1"}
    assert post_form(first, f"/admin/users/{uid}", {**base, "display_name": "First Edit"}).status_code == 302
    response = post_form(second, f"/admin/users/{uid}", {**base, "display_name": "Second Edit"})
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert 'value="Second Edit"' in text  # the second admin's text is kept in the form
    assert "First Edit" in text  # and what is saved now is shown
    assert 'name="version" type="hidden" value="2"' in text
    with app.app_context():
        assert db.session.get(User, uid).display_name == "First Edit"  # type: ignore[union-attr]


def test_admin_cannot_disable_themselves_or_change_own_role(app, login_as, users):
    admin = login_as("admin")
    uid = users["admin"].id
    post_form(admin, f"/admin/users/{uid}/active", {}, token_from=f"/admin/users/{uid}")
    response = post_form(admin, f"/admin/users/{uid}", {"display_name": "Admin", "role": "assessor",
                                                         "units": ["UNIT-A"], "version": "1"})
    assert response.status_code == 400
    with app.app_context():
        user = db.session.get(User, uid)
        assert user is not None and user.is_active and user.role == "admin"


def test_disable_and_enable_are_audited(app, login_as, users):
    admin = login_as("admin")
    uid = users["assessor"].id
    post_form(admin, f"/admin/users/{uid}/active", {}, token_from=f"/admin/users/{uid}")
    post_form(admin, f"/admin/users/{uid}/active", {}, token_from=f"/admin/users/{uid}")
    assert len(events(app, "disable")) == 1 and len(events(app, "enable")) == 1


def test_weak_reset_password_is_refused_and_nothing_changes(app, login_as, users):
    admin = login_as("admin")
    uid = users["assessor"].id
    response = post_form(admin, f"/admin/users/{uid}/password", {"new_password": "password12345"},
                         token_from=f"/admin/users/{uid}")
    assert response.status_code == 400
    assert "too easy to guess" in response.get_data(as_text=True)
    assert events(app, "password_reset") == []


def test_admin_creates_and_renames_a_unit(app, login_as, users):
    admin = login_as("admin")
    assert post_form(admin, "/admin/units/new", {"code": "hmp-east", "name": "HMP East", "kind": "prison"}
                     ).status_code == 302
    with app.app_context():
        unit = db.session.scalars(select(Unit).where(Unit.code == "HMP-EAST")).one()
    assert post_form(admin, f"/admin/units/{unit.id}", {"name": "HMP Eastfield", "kind": "prison"}
                     ).status_code == 302
    changes = [e.details["changes"] for e in events(app, "update") if e.object_type == "unit"]
    assert changes == [{"name": ["HMP East", "HMP Eastfield"]}]


def test_duplicate_unit_code_is_refused(login_as, users):
    admin = login_as("admin")
    response = post_form(admin, "/admin/units/new", {"code": "UNIT-A", "name": "Again", "kind": "prison"})
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)


def test_unknown_user_id_is_404(login_as, users):
    assert login_as("admin").get("/admin/users/99999").status_code == 404


def test_user_changes_own_password_with_a_clear_error_when_current_is_wrong(login_as, users):
    client = login_as("assessor")
    response = post_form(client, "/account/password", {"current_password": "not-it-at-all",
                                                        "new_password": "sable-orchid-fountain-88",
                                                        "confirm_password": "sable-orchid-fountain-88"})
    assert response.status_code == 400
    assert "current password is not correct" in response.get_data(as_text=True)


def test_user_text_is_escaped_on_every_page(app, login_as, users):
    admin = login_as("admin")
    uid = users["assessor"].id
    post_form(admin, f"/admin/users/{uid}", {"display_name": "<script>alert(1)</script> & <b>x</b>",
                                              "role": "assessor", "units": ["UNIT-A"], "version": "1"})
    for page in ("/admin/users", f"/admin/users/{uid}"):
        text = admin.get(page).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in text and "<b>x</b>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;x&lt;/b&gt;" in text
