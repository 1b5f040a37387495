"""`flask instruments validate`: it checks the folder the app is configured with, and refuses a file changed
under a version the database has registered, as start-up does."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask

from app import create_app
from instruments.loader import DEFAULT_DIRECTORY
from tests import factories

# The shipped files: each demonstration instrument in version 1.0 and 1.1 (the same, in three languages).
SHIPPED = 4


def copy_instruments(directory: Path) -> None:
    for path in DEFAULT_DIRECTORY.glob("*.yaml"):
        shutil.copy(path, directory / path.name)


def app_reading(directory: Path, db_url: str) -> Flask:
    return create_app({"SQLALCHEMY_DATABASE_URI": db_url, "INSTRUMENTS_DIR": str(directory)})


def test_validate_without_files_reads_the_configured_instruments_dir(tmp_path, db_url):
    copy_instruments(tmp_path)
    newer = tmp_path / "wp-reception-screening-9.0.yaml"
    newer.write_text((tmp_path / "wp-reception-screening-1.0.yaml").read_text()
                     .replace('version: "1.0"', 'version: "9.0"', 1))
    app = app_reading(tmp_path, db_url)
    result = app.test_cli_runner().invoke(args=["instruments", "validate"])
    assert result.exit_code == 0, result.output
    assert result.output.count("ok  ") == SHIPPED + 1
    assert f"ok  {newer}: wp-reception-screening 9.0" in result.output
    app.extensions["waypoint_engine"].dispose()


def test_validate_refuses_a_file_in_the_folder_changed_under_a_registered_version(app, tmp_path, db_url, users,
                                                                                   records):
    factories.accredit(app, users["assessor"].id)
    factories.make_assessment(app, users["assessor"].id, records["subject_a"])  # registers version 1.0
    copy_instruments(tmp_path)
    running = app_reading(tmp_path, db_url)  # started before the edit, as a running service would be
    changed = tmp_path / "wp-structured-assessment-1.0.yaml"
    changed.write_text(changed.read_text() + "\n# an innocent-looking edit\n")
    result = running.test_cli_runner().invoke(args=["instruments", "validate"])
    assert result.exit_code != 0
    assert f"{changed}: the file of wp-structured-assessment version 1.0 changed after it was registered" \
        in result.output
    assert "wp-reception-screening-1.0.yaml" not in result.output.split("Error:", 1)[1]  # never registered
    running.extensions["waypoint_engine"].dispose()


def test_validate_refuses_a_named_file_changed_under_a_registered_version(app, tmp_path, users, records):
    factories.accredit(app, users["assessor"].id)
    factories.make_assessment(app, users["assessor"].id, records["subject_a"])
    changed = tmp_path / "edited.yaml"
    changed.write_text((DEFAULT_DIRECTORY / "wp-structured-assessment-1.0.yaml").read_text()
                       .replace("review_interval_days: 180", "review_interval_days: 90", 1))
    result = app.test_cli_runner().invoke(args=["instruments", "validate", str(changed)])
    assert result.exit_code != 0 and "edited.yaml: the file of wp-structured-assessment version 1.0 changed" \
        in result.output


def test_validate_accepts_unchanged_registered_files_and_new_versions(app, tmp_path, users, records):
    factories.accredit(app, users["assessor"].id)
    factories.make_assessment(app, users["assessor"].id, records["subject_a"])
    newer = tmp_path / "wp-structured-assessment-1.1.yaml"
    newer.write_text((DEFAULT_DIRECTORY / "wp-structured-assessment-1.0.yaml").read_text()
                     .replace('version: "1.0"', 'version: "1.1"', 1) + "\n# the change goes in a new version\n")
    unchanged = DEFAULT_DIRECTORY / "wp-structured-assessment-1.0.yaml"
    result = app.test_cli_runner().invoke(args=["instruments", "validate", str(unchanged), str(newer)])
    assert result.exit_code == 0, result.output
    assert result.output.count("ok  ") == 2


def test_validate_says_when_there_is_no_database_to_compare_with(tmp_path):
    copy_instruments(tmp_path)
    app = app_reading(tmp_path, f"sqlite:///{tmp_path / 'not-migrated.sqlite3'}")
    result = app.test_cli_runner().invoke(args=["instruments", "validate"])
    assert result.exit_code == 0 and result.output.count("ok  ") == SHIPPED
    assert "registered versions were not compared" in result.output
    app.extensions["waypoint_engine"].dispose()
