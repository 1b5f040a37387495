"""Load instrument files: YAML in, checked against schema.json and the rules beside it, frozen dataclasses out.

Every text a user reads (titles, guidance, scale labels and descriptions, notices, domain and item texts) is
either a string or a mapping of language code to string (`title: {en: …, fr: …, ar: …}`); the file's top-level
`language` (default "en") is the language a mapping must hold and the one shown when the reader's is missing.
Each becomes an app.i18n.LocalText (`title_text`, `label_text`, …), read as a string in the current language
through the plain name (`title`, `label`, …), so that pages and PDFs show the reader's language. Codes (ids, item
codes, option values) are what is stored and never change with the language.

Every problem is an InstrumentError whose message names the file, the place in the document and the
problem, so that an operator can fix a file that stopped start-up without reading this code.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast

import yaml
from jsonschema import Draft202012Validator, ValidationError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, SequenceNode

from app.i18n import LocalText

DEFAULT_DIRECTORY = Path(__file__).resolve().parent
SCHEMA_PATH = DEFAULT_DIRECTORY / "schema.json"

InstrumentKind = Literal["screening", "assessment"]
ItemKind = Literal["risk", "protective", "context"]
PathPart = str | int
# How deeply collections may nest. The deepest place of a valid file (one language of the description of an
# option of an item's own scale) is 8 levels down; PyYAML composes nested collections recursively, so a small
# file nested thousands deep would otherwise end in a RecursionError instead of a message.
MAX_DEPTH = 32
# How many values a file may hold once its aliases (`*name`, repeating an anchored `&name` collection) are
# expanded. The shipped files hold a few hundred; a 400-byte file of aliases of aliases holds a hundred million,
# which the schema check would walk one by one, holding up start-up for minutes.
MAX_VALUES = 100_000
# The language of a file that does not say (its top-level `language`).
DEFAULT_LANGUAGE = "en"
# A language code in a text's mapping and in `language`: ISO 639-1 or 639-3, lower case ("en", "fr", "ar").
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


class InstrumentError(ValueError):
    """An instrument file that cannot be read, parsed or accepted."""


def _no_text() -> LocalText:
    return LocalText("")


# Each text is kept as a LocalText (`*_text`: every language the file gives) and read through a property of the
# plain name (`title`, `label`, …) as a string in the current language: in a request, the reader's. Loaded once,
# an instrument serves every user in their language; callers that need a string (sorting, JSON, dictionary keys,
# f-strings) get one.


@dataclass(frozen=True)
class Option:
    value: str
    label_text: LocalText
    description_text: LocalText = dataclasses.field(default_factory=_no_text)

    @property
    def label(self) -> str:
        return str(self.label_text)

    @property
    def description(self) -> str:
        return str(self.description_text)


@dataclass(frozen=True)
class Item:
    code: str
    title_text: LocalText
    guidance_text: LocalText
    kind: ItemKind
    options: tuple[Option, ...]

    @property
    def title(self) -> str:
        return str(self.title_text)

    @property
    def guidance(self) -> str:
        return str(self.guidance_text)


@dataclass(frozen=True)
class Domain:
    code: str
    title_text: LocalText
    description_text: LocalText
    items: tuple[Item, ...]

    @property
    def title(self) -> str:
        return str(self.title_text)

    @property
    def description(self) -> str:
        return str(self.description_text)


@dataclass(frozen=True)
class Instrument:
    id: str
    version: str
    title_text: LocalText
    kind: InstrumentKind
    status_notice_text: LocalText
    review_interval_days: int
    domains: tuple[Domain, ...]
    outcomes: tuple[Option, ...]
    overall_judgements: tuple[Option, ...]
    content_hash: str
    source: str
    language: str = DEFAULT_LANGUAGE  # the file's own: a text's fallback

    @property
    def title(self) -> str:
        return str(self.title_text)

    @property
    def status_notice(self) -> str:
        return str(self.status_notice_text)

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

    _check_languages(source, doc)

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


def _check_languages(source: str, doc: Mapping[str, Any]) -> None:
    """Language codes are 2 or 3 lower-case letters (the schema's pattern lets "fr\\n" through), and every text
    given in several languages holds the file's own, the one shown when the reader's is missing."""
    language = doc.get("language", DEFAULT_LANGUAGE)
    if not LANGUAGE_CODE.fullmatch(language):
        raise _problem(source, ["language"], f"{language!r} is not a language code (2 or 3 lower-case letters)")
    for parts, value in _texts(doc):
        if not isinstance(value, Mapping):
            continue
        for code in value:
            if not LANGUAGE_CODE.fullmatch(code):
                raise _problem(source, [*parts, code],
                               f"{code!r} is not a language code (2 or 3 lower-case letters)")
        if language not in value:
            raise _problem(source, parts, f"no text in {language!r}, the file's language (given: "
                                          f"{', '.join(repr(code) for code in value)})")


def _texts(doc: Mapping[str, Any]) -> Iterator[tuple[list[PathPart], Any]]:
    """Every text of the document a user reads, with its place."""
    for field in ("title", "status_notice"):
        yield [field], doc[field]
    for list_name in ("rating_scale", "outcomes", "overall_judgements"):
        for index, option in enumerate(doc.get(list_name, [])):
            yield from _option_texts([list_name, index], option)
    for d, domain in enumerate(doc["domains"]):
        for field in ("title", "description"):
            if field in domain:
                yield ["domains", d, field], domain[field]
        for i, item in enumerate(domain["items"]):
            for field in ("title", "guidance"):
                yield ["domains", d, "items", i, field], item[field]
            for o, option in enumerate(item.get("options", [])):
                yield from _option_texts(["domains", d, "items", i, "options", o], option)


def _option_texts(parts: list[PathPart], option: Mapping[str, Any]) -> Iterator[tuple[list[PathPart], Any]]:
    for field in ("label", "description"):
        if field in option:
            yield [*parts, field], option[field]


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


def _text(value: str | Mapping[str, str] | None, language: str) -> LocalText:
    """A text of the file: a string, or its languages (a copy: instruments are frozen), the file's as fallback."""
    if value is None:
        return LocalText("", language)
    return LocalText(value if isinstance(value, str) else dict(value), language)


def _options(entries: Iterable[Mapping[str, Any]], language: str) -> tuple[Option, ...]:
    return tuple(Option(e["value"], _text(e["label"], language), _text(e.get("description"), language))
                 for e in entries)


def _build(doc: Mapping[str, Any], *, content_hash: str, source: str) -> Instrument:
    language = doc.get("language", DEFAULT_LANGUAGE)
    default_scale = _options(doc["rating_scale"], language)
    domains = tuple(
        Domain(
            code=d["code"],
            title_text=_text(d["title"], language),
            description_text=_text(d.get("description"), language),
            items=tuple(
                Item(
                    code=i["code"],
                    title_text=_text(i["title"], language),
                    guidance_text=_text(i["guidance"], language),
                    kind=cast(ItemKind, i["kind"]),  # the schema's enum guarantees it
                    options=_options(i["options"], language) if "options" in i else default_scale,
                )
                for i in d["items"]
            ),
        )
        for d in doc["domains"]
    )
    return Instrument(
        id=doc["id"],
        version=doc["version"],
        title_text=_text(doc["title"], language),
        kind=cast(InstrumentKind, doc["kind"]),  # the schema's enum guarantees it
        status_notice_text=_text(doc["status_notice"], language),
        review_interval_days=int(doc["review_interval_days"]),  # JSON Schema counts 90.0 as an integer
        domains=domains,
        outcomes=_options(doc.get("outcomes", []), language),
        overall_judgements=_options(doc.get("overall_judgements", []), language),
        content_hash=content_hash,
        source=source,
        language=language,
    )
