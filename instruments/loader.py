"""Load instrument files: YAML in, checked against schema.json and the rules beside it, frozen dataclasses out.

Every problem is an InstrumentError whose message names the file, the place in the document and the
problem, so that an operator can fix a file that stopped start-up without reading this code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast

import yaml
from jsonschema import Draft202012Validator, ValidationError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, SequenceNode

DEFAULT_DIRECTORY = Path(__file__).resolve().parent
SCHEMA_PATH = DEFAULT_DIRECTORY / "schema.json"

InstrumentKind = Literal["screening", "assessment"]
ItemKind = Literal["risk", "protective", "context"]
PathPart = str | int
# How deeply collections may nest. The deepest place of a valid file (an option of an item's own scale) is 7
# levels down; PyYAML composes nested collections recursively, so a small file nested thousands deep would
# otherwise end in a RecursionError instead of a message.
MAX_DEPTH = 32
# How many values a file may hold once its aliases (`*name`, repeating an anchored `&name` collection) are
# expanded. The shipped files hold a few hundred; a 400-byte file of aliases of aliases holds a hundred million,
# which the schema check would walk one by one, holding up start-up for minutes.
MAX_VALUES = 100_000


class InstrumentError(ValueError):
    """An instrument file that cannot be read, parsed or accepted."""


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class Item:
    code: str
    title: str
    guidance: str
    kind: ItemKind
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Domain:
    code: str
    title: str
    description: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Instrument:
    id: str
    version: str
    title: str
    kind: InstrumentKind
    status_notice: str
    review_interval_days: int
    domains: tuple[Domain, ...]
    outcomes: tuple[Option, ...]
    overall_judgements: tuple[Option, ...]
    content_hash: str
    source: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.id, self.version)

    def items(self) -> list[Item]:
        """Every item of every domain, in the order of the file."""
        return [item for domain in self.domains for item in domain.items]

    def item(self, code: str) -> Item:
        for candidate in self.items():
            if candidate.code == code:
                return candidate
        raise KeyError(f"{self.id} {self.version} has no item {code!r}")

    def option_label(self, item_code: str, value: str) -> str:
        for option in self.item(item_code).options:
            if option.value == value:
                return option.label
        raise KeyError(f"{self.id} {self.version} item {item_code} has no option {value!r}")


# Instruments built from a file's exact bytes, by path and SHA-256: every app (each worker, each test) reads the
# files again, and a file changed by one byte is a new key, read, validated and built anew. Instruments are frozen.
_BUILT: dict[tuple[str, str], Instrument] = {}
_BUILT_MAX = 64


def load_file(path: str | Path) -> Instrument:
    """Read, validate and build one instrument; `source` keeps the path as given."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InstrumentError(f"{source}: cannot read file: {exc.strerror or exc}") from exc
    key = (source, hashlib.sha256(raw).hexdigest())
    if (built := _BUILT.get(key)) is not None:
        return built
    if len(_BUILT) >= _BUILT_MAX:
        _BUILT.clear()
    _BUILT[key] = _read(source, raw, key[1])
    return _BUILT[key]


def _read(source: str, raw: bytes, digest: str) -> Instrument:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InstrumentError(f"{source}: byte {exc.start}: file is not UTF-8 text") from exc
    try:
        document = yaml.load(text, Loader=InstrumentYamlLoader)  # noqa: S506 - a SafeLoader, stricter still
    except yaml.YAMLError as exc:
        raise InstrumentError(f"{source}: {_describe_yaml_error(exc)}") from exc

    _validate_schema(source, document)
    _check_rules(source, document)
    return _build(document, content_hash=digest, source=source)


def load_directory(path: str | Path = DEFAULT_DIRECTORY) -> dict[tuple[str, str], Instrument]:
    """Every `*.yaml` file of a directory, keyed by (id, version); a key defined twice is refused."""
    directory = Path(path)
    if not directory.is_dir():
        raise InstrumentError(f"{path}: not a directory")
    loaded: dict[tuple[str, str], Instrument] = {}
    for file in sorted(directory.glob("*.yaml")):
        instrument = load_file(file)
        earlier = loaded.get(instrument.key)
        if earlier is not None:
            raise InstrumentError(
                f"{instrument.source}: instrument {instrument.id!r} version {instrument.version!r} "
                f"is already defined in {earlier.source}"
            )
        loaded[instrument.key] = instrument
    return loaded


# --- reading YAML ---------------------------------------------------------------------------------------


class InstrumentYamlLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing what it would otherwise let through or crash on: a key given twice in one
    mapping (the later silently wins: `version:` twice changes the instrument unseen), collections nested
    deeper than MAX_DEPTH and aliases that expand to more than MAX_VALUES values. Each is a YAML error with the
    line of the offending key or collection."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._values: dict[int, int] = {}  # id(node) -> how many values it holds, aliases expanded

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                # The collection that holds the level too many: its line is where to look.
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep; an instrument file never needs that",
                    parent.start_mark if parent is not None else None)
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is not None:
            self._count_values(node)
        return node

    def _count_values(self, node: Node) -> None:
        """Weigh a node just composed (its children, or the anchored node an alias repeats, already are)."""
        if id(node) in self._values:
            return  # an alias: the same node again
        count = 1
        if isinstance(node, SequenceNode):
            count += sum(self._values.get(id(child), 1) for child in node.value)
        elif isinstance(node, MappingNode):
            count += sum(self._values.get(id(key), 1) + self._values.get(id(value), 1) for key, value in node.value)
        if count > MAX_VALUES:
            raise yaml.composer.ComposerError(
                None, None, f"holds more than {MAX_VALUES} values once its aliases are expanded", node.start_mark)
        self._values[id(node)] = count

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        first_line: dict[Any, int] = {}
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<:` merges another mapping; what it brings may be overridden
            key = self.construct_object(key_node, deep=deep)
            try:
                earlier = first_line.get(key)
            except TypeError:
                continue  # an unhashable key: the base class refuses it with its own message
            line = key_node.start_mark.line + 1
            if earlier is not None:
                raise ConstructorError("while constructing a mapping", node.start_mark,
                                       f"duplicate key {key!r} (first given on line {earlier})", key_node.start_mark)
            first_line[key] = line
        return super().construct_mapping(node, deep=deep)


# --- checking -------------------------------------------------------------------------------------------


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _format_path(parts: Iterable[PathPart]) -> str:
    """`['domains', 1, 'items', 3, 'kind']` -> `domains[1].items[3].kind`; the document itself is `(top level)`."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"


def _sort_key(error: ValidationError) -> tuple[tuple[tuple[int, int, str], ...], str, str]:
    # Paths mix list indexes and keys; compare indexes as numbers so that [2] comes before [10].
    path = tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in error.absolute_path)
    return (path, str(error.validator), error.message)


def _validate_schema(source: str, document: Any) -> None:
    if document is None:
        raise InstrumentError(f"{source}: (top level): the file is empty")
    errors = sorted(_validator().iter_errors(document), key=_sort_key)
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        raise InstrumentError(f"{source}: {_format_path(first.absolute_path)}: {first.message}{more}")


def _problem(source: str, parts: Sequence[PathPart], problem: str) -> InstrumentError:
    return InstrumentError(f"{source}: {_format_path(parts)}: {problem}")


def _check_rules(source: str, doc: Mapping[str, Any]) -> None:
    """The rules schema.json cannot express; `doc` has already passed the schema."""
    # Python's `$` also matches before a final line break, so the schema's patterns let "EN1\n" through.
    for parts, value in _identifiers(doc):
        if value.endswith("\n"):
            raise _problem(source, parts, f"{value!r} must not end with a line break")

    kind = doc["kind"]
    needed, refused = ("outcomes", "overall_judgements")
    if kind == "assessment":
        needed, refused = refused, needed
    if needed not in doc:
        raise _problem(source, [], f"{needed!r} is required when kind is {kind!r}")
    if refused in doc:
        raise _problem(source, [refused], f"not allowed when kind is {kind!r}")

    for list_name in ("rating_scale", "outcomes", "overall_judgements"):
        _check_unique(source, [list_name], doc.get(list_name, []), "value", "option value")
    _check_unique(source, ["domains"], doc["domains"], "code", "domain code")

    first_use: dict[str, str] = {}
    for d, domain in enumerate(doc["domains"]):
        for i, item in enumerate(domain["items"]):
            code = item["code"]
            if code in first_use:
                raise _problem(source, ["domains", d, "items", i, "code"],
                               f"duplicate item code {code!r} (first used at {first_use[code]})")
            first_use[code] = _format_path(["domains", d, "items", i])
            if "options" in item:
                _check_unique(source, ["domains", d, "items", i, "options"], item["options"], "value",
                              "option value")


def _check_unique(source: str, parts: list[PathPart], entries: Sequence[Mapping[str, Any]], field: str,
                  what: str) -> None:
    first_index: dict[str, int] = {}
    for index, entry in enumerate(entries):
        value = entry[field]
        if value in first_index:
            raise _problem(source, [*parts, index, field],
                           f"duplicate {what} {value!r} (first used at {_format_path([*parts, first_index[value]])})")
        first_index[value] = index


def _identifiers(doc: Mapping[str, Any]) -> Iterator[tuple[list[PathPart], str]]:
    yield ["id"], doc["id"]
    yield ["version"], doc["version"]
    for list_name in ("rating_scale", "outcomes", "overall_judgements"):
        for index, option in enumerate(doc.get(list_name, [])):
            yield [list_name, index, "value"], option["value"]
    for d, domain in enumerate(doc["domains"]):
        yield ["domains", d, "code"], domain["code"]
        for i, item in enumerate(domain["items"]):
            yield ["domains", d, "items", i, "code"], item["code"]
            for o, option in enumerate(item.get("options", [])):
                yield ["domains", d, "items", i, "options", o, "value"], option["value"]


def _describe_yaml_error(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return f"invalid YAML: {problem}"
    return f"line {mark.line + 1}, column {mark.column + 1}: invalid YAML: {problem}"


# --- building -------------------------------------------------------------------------------------------


def _options(entries: Iterable[Mapping[str, Any]]) -> tuple[Option, ...]:
    return tuple(Option(e["value"], e["label"], e.get("description", "")) for e in entries)


def _build(doc: Mapping[str, Any], *, content_hash: str, source: str) -> Instrument:
    default_scale = _options(doc["rating_scale"])
    domains = tuple(
        Domain(
            code=d["code"],
            title=d["title"],
            description=d.get("description", ""),
            items=tuple(
                Item(
                    code=i["code"],
                    title=i["title"],
                    guidance=i["guidance"],
                    kind=cast(ItemKind, i["kind"]),  # the schema's enum guarantees it
                    options=_options(i["options"]) if "options" in i else default_scale,
                )
                for i in d["items"]
            ),
        )
        for d in doc["domains"]
    )
    return Instrument(
        id=doc["id"],
        version=doc["version"],
        title=doc["title"],
        kind=cast(InstrumentKind, doc["kind"]),  # the schema's enum guarantees it
        status_notice=doc["status_notice"],
        review_interval_days=int(doc["review_interval_days"]),  # JSON Schema counts 90.0 as an integer
        domains=domains,
        outcomes=_options(doc.get("outcomes", [])),
        overall_judgements=_options(doc.get("overall_judgements", [])),
        content_hash=content_hash,
        source=source,
    )
