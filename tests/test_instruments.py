"""Instruments are data: the demonstration files load, bad files are refused with a message naming the file,
the place in the document and the problem, and a directory never holds one instrument version twice."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from instruments import DEFAULT_DIRECTORY, Instrument, InstrumentError, load_directory, load_file
from instruments.loader import SCHEMA_PATH

SCREENING = DEFAULT_DIRECTORY / "wp-reception-screening-1.0.yaml"
ASSESSMENT = DEFAULT_DIRECTORY / "wp-structured-assessment-1.0.yaml"
NOTICE = "not a validated instrument"


def minimal_screening() -> dict[str, Any]:
    scale = [{"value": "not_observed", "label": "Not observed"}, {"value": "observed", "label": "Observed"}]
    return {
        "id": "test-screening",
        "version": "1.0",
        "title": "Test screening",
        "kind": "screening",
        "status_notice": "Test only — not a validated instrument.",
        "review_interval_days": 90,
        "rating_scale": scale,
        "outcomes": [
            {"value": "no_concern", "label": "No concern"},
            {"value": "refer_for_assessment", "label": "Refer"},
        ],
        "domains": [
            {"code": "first", "title": "First", "items": [
                {"code": "AB1", "title": "One", "guidance": "Look for one.", "kind": "risk"},
            ]},
            {"code": "second", "title": "Second", "items": [
                {"code": "CD1", "title": "Two", "guidance": "Look for two.", "kind": "risk"},
                {"code": "CD2", "title": "Three", "guidance": "Look for three.", "kind": "protective"},
            ]},
        ],
    }


def minimal_assessment() -> dict[str, Any]:
    document = minimal_screening()
    del document["outcomes"]
    document.update(id="test-assessment", kind="assessment", overall_judgements=[
        {"value": "low", "label": "Low", "description": "A judgement, not a score."},
        {"value": "high", "label": "High", "description": "A judgement, not a score."},
    ])
    return document


def write(directory: Path, name: str, document: dict[str, Any]) -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def refusal(path: Path) -> str:
    with pytest.raises(InstrumentError) as caught:
        load_file(path)
    return str(caught.value)


# --- the demonstration instruments -----------------------------------------------------------------------


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def test_reception_screening_loads_with_its_indicators_scale_and_outcomes() -> None:
    screening = load_file(SCREENING)

    assert screening.key == ("wp-reception-screening", "1.0")
    assert screening.kind == "screening"
    assert 10 <= len(screening.items()) <= 12
    assert 1 <= len(screening.domains) <= 2
    assert [o.value for o in screening.outcomes] == ["no_concern", "refer_for_assessment"]
    assert screening.overall_judgements == ()
    assert {o.value for o in screening.items()[0].options} == {"not_observed", "observed", "not_known"}
    assert all(item.options == screening.items()[0].options for item in screening.items())


def test_every_screening_indicator_warns_against_inference_from_religion_nationality_or_politics() -> None:
    for item in load_file(SCREENING).items():
        guidance = item.guidance.lower()
        assert "do not infer" in guidance, item.code
        assert all(word in guidance for word in ("religion", "nationality", "political opinion")), item.code


def test_structured_assessment_loads_with_its_domains_and_judgements() -> None:
    assessment = load_file(ASSESSMENT)

    assert assessment.key == ("wp-structured-assessment", "1.0")
    assert assessment.kind == "assessment"
    assert 18 <= len(assessment.items()) <= 24
    assert [d.code for d in assessment.domains] == ["engagement", "intent", "capability", "protective", "nexus"]
    assert assessment.outcomes == ()
    assert [j.value for j in assessment.overall_judgements] == ["low_concern", "moderate_concern", "high_concern"]
    assert all("not a score" in j.description for j in assessment.overall_judgements)
    protective = next(d for d in assessment.domains if d.code == "protective")
    assert protective.items and all(item.kind == "protective" for item in protective.items)


def test_assessment_nexus_item_has_its_own_four_options_and_others_use_the_default_scale() -> None:
    assessment = load_file(ASSESSMENT)
    nexus = next(d for d in assessment.domains if d.code == "nexus")

    assert len(nexus.items) == 1
    nexus_item = nexus.items[0]
    assert nexus_item is assessment.item(nexus_item.code)
    assert [o.value for o in nexus_item.options] == ["none", "coexistence", "cooperation", "convergence"]
    assert all(o.description for o in nexus_item.options)
    default = {"not_present", "partly_present", "present", "not_known"}
    assert all({o.value for o in item.options} == default for item in assessment.items() if item is not nexus_item)


@pytest.mark.parametrize("path", [SCREENING, ASSESSMENT], ids=["screening", "assessment"])
def test_demonstration_titles_and_notices_say_they_are_not_validated(path: Path) -> None:
    instrument = load_file(path)
    assert "demonstration — not a validated instrument" in instrument.title.lower()
    assert "demonstration — not a validated instrument" in instrument.status_notice.lower()
    assert NOTICE in instrument.status_notice


def test_default_directory_holds_exactly_the_two_demonstration_instruments() -> None:
    """Each in version 1.0 (English, kept for the work pinned to it) and 1.1 (the same in English, French and
    Arabic)."""
    loaded = load_directory(DEFAULT_DIRECTORY)
    assert set(loaded) == {("wp-reception-screening", "1.0"), ("wp-structured-assessment", "1.0"),
                           ("wp-reception-screening", "1.1"), ("wp-structured-assessment", "1.1")}
    assert all(key == instrument.key for key, instrument in loaded.items())


# --- the loaded objects ------------------------------------------------------------------------------------


def test_item_lookup_and_option_label_raise_key_error_for_unknown_codes() -> None:
    assessment = load_file(ASSESSMENT)
    assert assessment.option_label("NX1", "convergence") == "Convergence"
    assert assessment.option_label("EN1", "partly_present") == "Partly present"
    with pytest.raises(KeyError):
        assessment.item("ZZ99")
    with pytest.raises(KeyError):
        assessment.option_label("EN1", "convergence")


def test_instruments_are_frozen_and_keep_the_path_as_given(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", minimal_screening())
    instrument = load_file(str(path))
    assert instrument.source == str(path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        instrument.title = "changed"  # type: ignore[misc]
    assert isinstance(hash(instrument), int)


def test_content_hash_is_sha256_of_the_bytes_and_changes_when_one_byte_changes(tmp_path: Path) -> None:
    path = tmp_path / "copy.yaml"
    shutil.copyfile(SCREENING, path)
    before = load_file(path)
    assert before.content_hash == hashlib.sha256(SCREENING.read_bytes()).hexdigest()

    path.write_bytes(path.read_bytes() + b"\n")
    after = load_file(path)
    assert after.content_hash != before.content_hash
    assert dataclasses.replace(after, content_hash=before.content_hash) == before


def test_an_items_own_options_replace_the_rating_scale(tmp_path: Path) -> None:
    document = minimal_screening()
    document["domains"][0]["items"][0]["options"] = [{"value": "yes", "label": "Yes"}, {"value": "nope", "label": "No"}]
    instrument = load_file(write(tmp_path, "x.yaml", document))
    assert [o.value for o in instrument.item("AB1").options] == ["yes", "nope"]
    assert [o.value for o in instrument.item("CD1").options] == ["not_observed", "observed"]


def test_a_minimal_assessment_is_accepted(tmp_path: Path) -> None:
    instrument = load_file(write(tmp_path, "x.yaml", minimal_assessment()))
    assert isinstance(instrument, Instrument)
    assert [j.value for j in instrument.overall_judgements] == ["low", "high"]


# --- refusals ----------------------------------------------------------------------------------------------


def test_wrong_item_kind_is_refused_naming_file_path_and_allowed_values(tmp_path: Path) -> None:
    document = minimal_screening()
    document["domains"][1]["items"][1]["kind"] = "maybe"
    path = write(tmp_path, "bad-kind.yaml", document)
    assert refusal(path) == (
        f"{path}: domains[1].items[1].kind: 'maybe' is not one of ['risk', 'protective', 'context']"
    )


def test_missing_required_field_is_refused(tmp_path: Path) -> None:
    document = minimal_screening()
    del document["domains"][0]["items"][0]["guidance"]
    path = write(tmp_path, "no-guidance.yaml", document)
    assert refusal(path) == f"{path}: domains[0].items[0]: 'guidance' is a required property"


def test_missing_status_notice_is_refused_at_top_level(tmp_path: Path) -> None:
    document = minimal_screening()
    del document["status_notice"]
    path = write(tmp_path, "no-notice.yaml", document)
    assert refusal(path) == f"{path}: (top level): 'status_notice' is a required property"


def test_unknown_field_is_refused(tmp_path: Path) -> None:
    document = minimal_screening()
    document["domains"][0]["weight"] = 2
    message = refusal(write(tmp_path, "extra.yaml", document))
    assert "extra.yaml: domains[0]: Additional properties are not allowed ('weight' was unexpected)" in message


def test_duplicate_item_code_across_domains_is_refused(tmp_path: Path) -> None:
    document = minimal_screening()
    document["domains"][1]["items"][1]["code"] = "AB1"
    path = write(tmp_path, "dup-item.yaml", document)
    assert refusal(path) == (
        f"{path}: domains[1].items[1].code: duplicate item code 'AB1' (first used at domains[0].items[0])"
    )


def test_duplicate_domain_code_is_refused(tmp_path: Path) -> None:
    document = minimal_screening()
    document["domains"][1]["code"] = "first"
    message = refusal(write(tmp_path, "dup-domain.yaml", document))
    assert "dup-domain.yaml: domains[1].code: duplicate domain code 'first'" in message


def test_yaml_syntax_error_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text('id: test-screening\nversion: "1.0"\ntitle: [unclosed\nkind: screening\n', encoding="utf-8")
    message = refusal(path)
    assert message.startswith(f"{path}: line ")
    assert "invalid YAML" in message


def test_unreadable_and_empty_files_are_refused(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    assert refusal(missing).startswith(f"{missing}: cannot read file")
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing here\n", encoding="utf-8")
    assert refusal(empty) == f"{empty}: (top level): the file is empty"
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("title: café".encode("latin-1"))
    assert "is not UTF-8" in refusal(latin1)


def test_screening_without_outcomes_is_refused(tmp_path: Path) -> None:
    document = minimal_screening()
    del document["outcomes"]
    path = write(tmp_path, "no-outcomes.yaml", document)
    assert refusal(path) == f"{path}: (top level): 'outcomes' is required when kind is 'screening'"


def test_screening_with_overall_judgements_is_refused(tmp_path: Path) -> None:
    document = minimal_screening()
    document["overall_judgements"] = minimal_assessment()["overall_judgements"]
    path = write(tmp_path, "both.yaml", document)
    assert refusal(path) == f"{path}: overall_judgements: not allowed when kind is 'screening'"


def test_assessment_with_outcomes_is_refused(tmp_path: Path) -> None:
    document = minimal_assessment()
    document["outcomes"] = minimal_screening()["outcomes"]
    path = write(tmp_path, "assessment-outcomes.yaml", document)
    assert refusal(path) == f"{path}: outcomes: not allowed when kind is 'assessment'"


def test_screening_outcomes_other_than_the_two_known_values_are_refused(tmp_path: Path) -> None:
    document = minimal_screening()
    document["outcomes"][1]["value"] = "watch"
    message = refusal(write(tmp_path, "outcome.yaml", document))
    assert "outcomes[1].value: 'watch' is not one of ['no_concern', 'refer_for_assessment']" in message

    document["outcomes"][1]["value"] = "no_concern"
    message = refusal(write(tmp_path, "outcome.yaml", document))
    assert "outcomes[1].value: duplicate option value 'no_concern' (first used at outcomes[0])" in message


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([{"value": "only", "label": "Only"}], "domains[0].items[0].options: [{'value': 'only', 'label': 'Only'}] "
                                               "is too short"),
        ([{"value": "a", "label": "A"}, {"value": "a", "label": "Again"}],
         "domains[0].items[0].options[1].value: duplicate option value 'a' (first used at "
         "domains[0].items[0].options[0])"),
        ([{"value": "a", "label": "A"}, {"value": "B c", "label": "B"}],
         "domains[0].items[0].options[1].value: 'B c' does not match"),
        ([{"value": "a", "label": "A"}, {"value": "b"}], "domains[0].items[0].options[1]: 'label' is a required"),
        ([{"value": "a", "label": "A"}, {"value": False, "label": "No"}],
         "domains[0].items[0].options[1].value: False is not of type 'string'"),
    ],
    ids=["too-few", "duplicate-value", "bad-value", "missing-label", "unquoted-yaml-no"],
)
def test_bad_option_lists_are_refused(tmp_path: Path, options: list[dict[str, Any]], expected: str) -> None:
    document = minimal_screening()
    document["domains"][0]["items"][0]["options"] = options
    path = write(tmp_path, "options.yaml", document)
    assert refusal(path).startswith(f"{path}: {expected}")


def test_bad_rating_scale_is_refused(tmp_path: Path) -> None:
    document = minimal_screening()
    document["rating_scale"] = [{"value": f"v{n}", "label": str(n)} for n in range(8)]
    message = refusal(write(tmp_path, "scale.yaml", document))
    assert ": rating_scale: " in message
    assert "is too long" in message


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("id", "X", "id: 'X' does not match"),
        ("version", 1.0, "version: 1.0 is not of type 'string'"),
        ("review_interval_days", 0, "review_interval_days: 0 is less than the minimum of 1"),
        ("kind", "survey", "kind: 'survey' is not one of ['screening', 'assessment']"),
        ("status_notice", "", "status_notice: '' should be non-empty"),
    ],
)
def test_bad_top_level_values_are_refused(tmp_path: Path, field: str, value: Any, expected: str) -> None:
    document = minimal_screening()
    document[field] = value
    path = write(tmp_path, "top.yaml", document)
    assert refusal(path).startswith(f"{path}: {expected}")


def test_identifier_with_trailing_line_break_is_refused(tmp_path: Path) -> None:
    document = minimal_screening()
    document["domains"][0]["items"][0]["code"] = "AB1\n"
    message = refusal(write(tmp_path, "newline.yaml", document))
    assert "domains[0].items[0].code: 'AB1\\n' must not end with a line break" in message


def test_first_error_in_path_order_is_reported_with_a_count_of_the_rest(tmp_path: Path) -> None:
    document = minimal_screening()
    document["domains"][1]["items"][0]["kind"] = "maybe"
    document["domains"][0]["items"][0]["kind"] = "perhaps"
    document["title"] = ""
    path = write(tmp_path, "many.yaml", document)
    assert refusal(path) == (
        f"{path}: domains[0].items[0].kind: 'perhaps' is not one of ['risk', 'protective', 'context']"
        " (and 2 more problems)"
    )


def test_index_order_is_numeric_not_alphabetical(tmp_path: Path) -> None:
    document = minimal_screening()
    items = document["domains"][0]["items"]
    items.extend(copy.deepcopy(items[0]) | {"code": f"AB{n}"} for n in range(2, 12))
    items[10]["kind"] = "maybe"
    items[2]["kind"] = "perhaps"
    message = refusal(write(tmp_path, "order.yaml", document))
    assert ": domains[0].items[2].kind: 'perhaps'" in message


# --- directories -------------------------------------------------------------------------------------------


def test_same_id_and_version_in_two_files_is_refused_naming_both(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", minimal_screening())
    second = write(tmp_path, "b.yaml", minimal_screening() | {"title": "Another title"})
    with pytest.raises(InstrumentError) as caught:
        load_directory(tmp_path)
    message = str(caught.value)
    assert str(first) in message
    assert str(second) in message
    assert "'test-screening' version '1.0'" in message


def test_directory_loads_every_version_and_ignores_other_files(tmp_path: Path) -> None:
    write(tmp_path, "s-1.0.yaml", minimal_screening())
    write(tmp_path, "s-1.1.yaml", minimal_screening() | {"version": "1.1"})
    write(tmp_path, "a-1.0.yaml", minimal_assessment())
    (tmp_path / "notes.txt").write_text("not an instrument", encoding="utf-8")
    loaded = load_directory(tmp_path)
    assert sorted(loaded) == [("test-assessment", "1.0"), ("test-screening", "1.0"), ("test-screening", "1.1")]


def test_one_bad_file_stops_the_whole_directory(tmp_path: Path) -> None:
    write(tmp_path, "good.yaml", minimal_screening())
    bad = write(tmp_path, "bad.yaml", minimal_assessment() | {"kind": "survey"})
    with pytest.raises(InstrumentError, match=re.escape(str(bad))):
        load_directory(tmp_path)


def test_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InstrumentError, match="not a directory"):
        load_directory(tmp_path / "nowhere")


def test_a_file_is_built_once_per_exact_content_and_again_when_a_byte_changes(tmp_path: Path) -> None:
    # Every app (each worker, each test) loads the directory: the same bytes give the same built instrument,
    # a changed byte is read, validated and built anew (and refused when it breaks the schema).
    source = next(DEFAULT_DIRECTORY.glob("*.yaml"))
    copy_ = tmp_path / source.name
    shutil.copy(source, copy_)
    first = load_file(copy_)
    assert load_file(copy_) is first
    copy_.write_text(copy_.read_text(encoding="utf-8").replace("title:", "title: Changed", 1), encoding="utf-8")
    changed = load_file(copy_)
    assert changed is not first and changed.content_hash != first.content_hash
    copy_.write_text("id: [", encoding="utf-8")
    with pytest.raises(InstrumentError):
        load_file(copy_)
