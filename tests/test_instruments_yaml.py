"""Instrument files are read strictly: a key given twice in one mapping and collections nested absurdly deep
are refused with the file and the line, by the loader and by `flask instruments validate FILE`, never
accepted silently or ended in a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from flask import Flask

from instruments import DEFAULT_DIRECTORY, InstrumentError, load_file
from instruments.loader import MAX_DEPTH, MAX_VALUES, InstrumentYamlLoader

SCREENING = DEFAULT_DIRECTORY / "wp-reception-screening-1.0.yaml"


def with_version_twice(directory: Path) -> Path:
    """The shipped screening with a second `version:` line right after the first (line 3 of the file)."""
    lines = SCREENING.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(n for n, line in enumerate(lines) if line.startswith("version:"))
    lines.insert(at + 1, 'version: "9.9"\n')
    path = directory / "twice.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def nested_list(directory: Path, depth: int = 2000) -> Path:
    """About 4 KB: one key whose value is a list nested `depth` deep."""
    path = directory / "deep-list.yaml"
    path.write_text("id: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    return path


def nested_mapping(directory: Path, depth: int = 2000) -> Path:
    path = directory / "deep-mapping.yaml"
    path.write_text("".join(" " * n + "a:\n" for n in range(depth)) + " " * depth + "b: 1\n", encoding="utf-8")
    return path


def aliases_of_aliases(directory: Path) -> Path:
    """400 bytes: each line repeats the one before ten times, so that the last one holds 10^8 values."""
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, 8)]
    path = directory / "aliases.yaml"
    path.write_text("\n".join(lines) + "\nid: *a7\n", encoding="utf-8")
    return path


def refusal(path: Path) -> str:
    with pytest.raises(InstrumentError) as caught:
        load_file(path)
    return str(caught.value)


def test_a_key_given_twice_is_refused_naming_the_file_the_line_and_the_first_line(tmp_path: Path) -> None:
    path = with_version_twice(tmp_path)
    first = 1 + next(n for n, line in enumerate(path.read_text().splitlines()) if line.startswith("version:"))
    message = refusal(path)
    assert message == (f"{path}: line {first + 1}, column 1: invalid YAML: duplicate key 'version' "
                       f"(first given on line {first})")


def test_a_key_given_twice_deeper_down_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "option.yaml"
    path.write_text("rating_scale:\n  - value: a\n    label: A\n    value: b\n", encoding="utf-8")
    assert refusal(path) == f"{path}: line 4, column 5: invalid YAML: duplicate key 'value' (first given on line 2)"


def test_the_same_key_in_two_mappings_and_a_merged_key_overridden_are_accepted(tmp_path: Path) -> None:
    """Only a key twice in one mapping is an error: the shipped files repeat `code:` in every item."""
    assert load_file(SCREENING).version == "1.0"
    merged = yaml.load("a: &x {k: 1}\nb:\n  <<: *x\n  k: 2\n", Loader=InstrumentYamlLoader)  # noqa: S506
    assert merged == {"a": {"k": 1}, "b": {"k": 2}}


@pytest.mark.parametrize("make, line", [(nested_list, 1), (nested_mapping, MAX_DEPTH)])
def test_a_file_nested_thousands_deep_is_refused_with_its_line_not_a_recursion_error(tmp_path: Path, make,
                                                                                    line: int) -> None:
    path = make(tmp_path)
    message = refusal(path)
    assert message.startswith(f"{path}: line {line}, column ")
    assert message.endswith(f"invalid YAML: nested more than {MAX_DEPTH} levels deep; an instrument file never "
                            "needs that")


def test_aliases_expanding_to_millions_of_values_are_refused_at_once_with_their_line(tmp_path: Path) -> None:
    path = aliases_of_aliases(tmp_path)
    assert path.stat().st_size < 500
    # a4 is the first to hold more than 100,000 values (111,111), on line 5.
    assert refusal(path) == (f"{path}: line 5, column 5: invalid YAML: holds more than {MAX_VALUES} values once "
                             "its aliases are expanded")


def test_nesting_up_to_the_limit_is_still_read_and_judged_by_the_schema(tmp_path: Path) -> None:
    path = nested_list(tmp_path, depth=MAX_DEPTH - 1)
    assert "nested" not in refusal(path)  # parsed, then refused by the schema for what it says


@pytest.mark.parametrize("make", [with_version_twice, nested_list, nested_mapping, aliases_of_aliases])
def test_flask_instruments_validate_refuses_the_file_in_one_line(app: Flask, tmp_path: Path, make) -> None:
    path = make(tmp_path)
    result = app.test_cli_runner().invoke(args=["instruments", "validate", str(path)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
    assert result.output.startswith(f"Error: {path}: line ")
    assert "invalid YAML: " in result.output and len(result.output.strip().splitlines()) == 1
