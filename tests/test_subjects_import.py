"""`flask subjects import`: a unit's roll (CSV) added as subject records, checked first, audited once."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from app.audit import trail
from app.audit.models import AuditEvent
from app.db import db
from app.subjects.models import Subject
from tests import factories

HEADER = ("reference,given_name,family_name,date_of_birth,status,index_offence_category,"
          "sentence_date,release_date,next_review_due,alerts")
ANN = "A1001AA,Ann,Archer,1990-04-27,sentenced,violence,2024-01-10,,2026-09-01,self_harm;escape"
BEN = "A1002AA,Ben,Baker,1985-11-02,remand,drugs,,,,"
CAT = "A1003AA,Cat,Cooper,1979-02-13,community_sentence,fraud,2023-06-01,,,interpreter"


def write_csv(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "roll.csv",
              encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding=encoding)
    return path


def run_import(app, path: Path, *options: str, unit: str = factories.UNIT_A):
    return app.test_cli_runner().invoke(args=["subjects", "import", str(path), "--unit", unit, *options])


def subjects_by_reference(app) -> dict[str, Subject]:
    with app.app_context():
        return {s.reference: s for s in db.session.scalars(select(Subject))}


def subject_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Subject)) or 0


def import_events(app) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import")
                                       .order_by(AuditEvent.id)))


def test_good_rows_are_created_in_the_unit_as_create_subject_would(app, units, tmp_path):
    result = run_import(app, write_csv(tmp_path, ANN, BEN, CAT))

    assert result.exit_code == 0, result.output
    assert "created 3, unchanged 0, different 0, rejected 0" in result.output
    with app.app_context():
        ann = db.session.scalars(select(Subject).where(Subject.reference == "A1001AA")).one()
        assert (ann.given_name, ann.family_name, ann.unit_id, ann.version) == ("Ann", "Archer", units["A"], 1)
        assert ann.name_search == "ann archer"
        assert ann.date_of_birth.isoformat() == "1990-04-27"
        assert ann.next_review_due is not None and ann.next_review_due.isoformat() == "2026-09-01"
        assert ann.alert_codes == ["escape", "self_harm"]
        ben = db.session.scalars(select(Subject).where(Subject.reference == "A1002AA")).one()
        assert ben.sentence_date is None and ben.alert_codes == []
    assert sorted(subjects_by_reference(app)) == ["A1001AA", "A1002AA", "A1003AA"]


def test_header_names_are_case_insensitive_and_a_bom_is_accepted(app, units, tmp_path):
    path = write_csv(tmp_path, BEN, header=HEADER.upper(), encoding="utf-8-sig")

    result = run_import(app, path)

    assert result.exit_code == 0, result.output
    assert list(subjects_by_reference(app)) == ["A1002AA"]


def test_optional_columns_may_be_left_out(app, units, tmp_path):
    path = write_csv(tmp_path, "A1004AA,Dan,Doyle,1970-01-05,ended,other",
                     header="reference,given_name,family_name,date_of_birth,status,index_offence_category")

    result = run_import(app, path)

    assert result.exit_code == 0, result.output
    assert "created 1," in result.output


def test_bad_rows_are_reported_with_their_line_numbers_and_nothing_is_written(app, units, tmp_path):
    path = write_csv(
        tmp_path,
        ANN,                                                         # line 2: good
        "A1005AA,Eve,Evans,27/04/1990,sentenced,violence,,,,",      # line 3: not an ISO date
        "A1006AA,Fay,Fox,1990-01-01,jailed,violence,,,,",           # line 4: unknown status
        "A1007AA,,Gray,1990-01-01,remand,drugs,,,,",                # line 5: missing given name
        "A1001AA,Ann,Archer,1990-04-27,sentenced,violence,,,,",     # line 6: reference of line 2 again
        "A1008AA,Hal,Hunt,1850-01-01,remand,drugs,,,,",             # line 7: implausible date of birth
        BEN,                                                         # line 8: good
    )

    result = run_import(app, path)

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("line 3: date_of_birth:") and "YYYY-MM-DD" in line for line in lines)
    assert any(line.startswith("line 4: status:") and "'jailed'" in line for line in lines)
    assert any(line.startswith("line 5: given_name: Enter the given name") for line in lines)
    assert "line 2: reference: A1001AA is also on line 6 of this file" in lines
    assert "line 6: reference: A1001AA is also on line 2 of this file" in lines
    assert any(line.startswith("line 7: date_of_birth: The date of birth must be within") for line in lines)
    assert not any(line.startswith("line 8:") for line in lines)
    assert "rejected 6" in result.output and "Nothing was imported" in result.output
    assert subject_count(app) == 0
    assert import_events(app) == []


def test_line_numbers_count_the_lines_of_the_file_not_the_rows(app, units, tmp_path):
    path = write_csv(tmp_path, 'A1009AA,Ian,"Irwin\nJr",1990-01-01,remand,drugs,,,,', "",
                     "A1010AA,Jo,Jones,1990-02-30,remand,drugs,,,,")

    result = run_import(app, path)

    assert result.exit_code == 1
    assert "line 5: date_of_birth:" in result.output


def test_partial_imports_the_valid_rows_and_writes_the_rejected_ones_with_an_error_column(app, units, tmp_path):
    bad_date = "A1005AA,Eve,Evans,1990-13-01,sentenced,violence,,,,"
    no_name = "A1007AA,,Gray,1990-01-01,remand,drugs,,,,vulnerable"
    path = write_csv(tmp_path, ANN, bad_date, BEN, no_name)

    result = run_import(app, path, "--partial")

    assert result.exit_code == 0, result.output
    assert "created 2, unchanged 0, different 0, rejected 2" in result.output
    rejected_path = tmp_path / "roll.rejected.csv"
    assert str(rejected_path) in result.output
    assert sorted(subjects_by_reference(app)) == ["A1001AA", "A1002AA"]
    with rejected_path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == [*HEADER.split(","), "error"]
    assert [row[:-1] for row in rows[1:]] == [bad_date.split(","), no_name.split(",")]
    assert rows[1][-1].startswith("date_of_birth:") and rows[2][-1].startswith("given_name:")
    [event] = import_events(app)
    assert event.details["partial"] is True and event.details["rejected"] == 2


def test_rerunning_the_same_file_changes_nothing(app, units, tmp_path):
    path = write_csv(tmp_path, ANN, BEN, CAT)
    first = run_import(app, path)
    before = {ref: (s.id, s.version) for ref, s in subjects_by_reference(app).items()}

    again = run_import(app, path)

    assert first.exit_code == 0 and again.exit_code == 0, again.output
    assert "created 0, unchanged 3, different 0, rejected 0" in again.output
    assert {ref: (s.id, s.version) for ref, s in subjects_by_reference(app).items()} == before
    assert subject_count(app) == 3


def test_a_person_on_record_with_other_details_is_reported_and_not_overwritten(app, users, units, tmp_path):
    factories.make_subject(app, users["supervisor"].id, units["A"], "A1001AA", given_name="Ann",
                           family_name="Archer-Smith", date_of_birth=date(1990, 4, 28))
    factories.make_subject(app, users["assessor_b"].id, units["B"], "A1002AA", given_name="Ben",
                           family_name="Baker", date_of_birth=date(1985, 11, 2),
                           status="remand", index_offence_category="drugs", sentence_date=None)
    before = {ref: (s.family_name, s.date_of_birth, s.unit_id, s.version)
              for ref, s in subjects_by_reference(app).items()}

    result = run_import(app, write_csv(tmp_path, ANN, BEN, CAT))

    assert result.exit_code == 0, result.output
    assert "created 1, unchanged 0, different 2, rejected 0" in result.output
    ann_warning = next(line for line in result.output.splitlines() if line.startswith("line 2:"))
    assert "A1001AA is already on record with different details" in ann_warning
    for name in ("family_name", "date_of_birth", "alerts", "next_review_due"):
        assert name in ann_warning
    assert "given_name" not in ann_warning and "status" not in ann_warning
    ben_warning = next(line for line in result.output.splitlines() if line.startswith("line 3:"))
    assert "unit (on record in UNIT-B)" in ben_warning
    after = subjects_by_reference(app)
    assert {ref: (s.family_name, s.date_of_birth, s.unit_id, s.version)
            for ref, s in after.items() if ref in before} == before
    assert after["A1003AA"].unit_id == units["A"]


def test_the_whole_import_is_one_audit_event_with_its_counts(app, users, units, tmp_path):
    factories.make_subject(app, users["supervisor"].id, units["A"], "A1001AA")  # on record, other details
    with app.app_context():
        events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))

    result = run_import(app, write_csv(tmp_path, ANN, BEN, CAT, "A1005AA,Eve,Evans,,sentenced,violence,,,,"),
                        "--partial")

    assert result.exit_code == 0, result.output
    with app.app_context():
        new_events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id).offset(events_before)))
        assert trail.verify(db.session).intact
    assert [(e.action, e.object_type) for e in new_events] == [("import", "subject_import")]
    [event] = new_events
    assert event.details == {"file": "roll.csv", "unit": "UNIT-A", "created": 2, "unchanged": 0,
                             "different": 1, "rejected": 1, "partial": True}
    assert event.actor_username is not None and event.actor_username.startswith("cli:")


def test_an_unknown_unit_is_refused(app, units, tmp_path):
    result = run_import(app, write_csv(tmp_path, ANN), unit="NOPE")

    assert result.exit_code != 0
    assert "No unit with code NOPE" in result.output
    assert subject_count(app) == 0


def test_missing_and_unknown_columns_are_named(app, units, tmp_path):
    header = "reference,given_name,surname,date_of_birth,status,index_offence_category"
    result = run_import(app, write_csv(tmp_path, "A1001AA,Ann,Archer,1990-04-27,sentenced,violence", header=header))

    assert result.exit_code != 0
    assert "unknown column(s): surname" in result.output
    assert "missing column(s): family_name" in result.output
    assert subject_count(app) == 0


def test_a_file_that_is_not_utf8_is_refused(app, units, tmp_path):
    path = tmp_path / "roll.csv"
    path.write_bytes((HEADER + "\nA1001AA,Zoë,Archer,1990-04-27,sentenced,violence,,,,\n").encode("latin-1"))

    result = run_import(app, path)

    assert result.exit_code != 0
    assert "not UTF-8" in result.output and "line 2" in result.output
