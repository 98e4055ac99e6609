"""Parser for commercetools query predicates (the ``where`` parameter) into a small AST.

Covers the subset the connector uses: comparisons ``= != <> > >= < <=`` on strings, numbers,
booleans and datetimes; ``in (...)`` / ``not in (...)``; ``and``, ``or``, ``not(...)``,
parentheses; nested ``field(predicate)``; ``is [not] defined``; ``is [not] empty``;
``contains``, ``contains any (...)``, ``contains all (...)``; ``:name`` placeholders bound from
``var.name`` parameters. Anything else raises ``PredicateError`` (answered as 400
InvalidInput): the sandbox never matches everything on syntax it does not understand.
Evaluation lives in ``predicate_eval``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .util import normalize_datetime

COMPARE_OPS = ("=", "!=", "<>", ">", ">=", "<", "<=")
_KEYWORDS = {
    "and",
    "or",
    "not",
    "in",
    "is",
    "defined",
    "empty",
    "contains",
    "any",
    "all",
    "true",
    "false",
}
_SPACE_RE = re.compile(r"\s*")
_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?(?![A-Za-z_]))
      | (?P<placeholder>:[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>!=|<>|>=|<=|=|>|<)
      | (?P<punct>[(),])
      | (?P<ident>[A-Za-z_][A-Za-z0-9_\-]*|`[^`]+`)
    )""",
    re.VERBOSE,
)


class PredicateError(ValueError):
    """A predicate that does not parse or binds an unknown placeholder."""


@dataclass(frozen=True, slots=True)
class Literal:
    value: Any
    from_var: bool = False  # placeholder values arrive as strings; coerce when compared


@dataclass(slots=True)
class And:
    parts: list[Node]


@dataclass(slots=True)
class Or:
    parts: list[Node]


@dataclass(slots=True)
class Not:
    inner: Node


@dataclass(slots=True)
class Nested:
    field: str
    inner: Node


@dataclass(slots=True)
class Compare:
    field: str
    op: str
    literal: Literal


@dataclass(slots=True)
class In:
    field: str
    literals: list[Literal]
    negated: bool = False


@dataclass(slots=True)
class Defined:
    field: str
    defined: bool = True


@dataclass(slots=True)
class Empty:
    field: str
    empty: bool = True


@dataclass(slots=True)
class Contains:
    field: str
    mode: str  # "one" | "any" | "all"
    literals: list[Literal]


Node = And | Or | Not | Nested | Compare | In | Defined | Empty | Contains


@dataclass(slots=True)
class _Token:
    kind: str
    text: str
    pos: int
    raw: str = ""


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while True:
        pos = _SPACE_RE.match(text, pos).end()  # type: ignore[union-attr]
        if pos >= len(text):
            break
        match = _TOKEN_RE.match(text, pos)
        if match is None:
            raise _syntax(text, pos, "unexpected character")
        kind = match.lastgroup or ""
        token_text = match.group(kind)
        start = match.start(kind)
        raw = token_text
        if kind == "ident" and token_text.lower() in _KEYWORDS:
            kind, token_text = "kw", token_text.lower()
        tokens.append(_Token(kind, token_text, start, raw))
        pos = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _syntax(text: str, pos: int, detail: str) -> PredicateError:
    found = text[pos : pos + 12] or "end of input"
    return PredicateError(
        f"Syntax error while parsing 'where'. Invalid input '{found}', {detail} "
        f"(line 1, column {pos + 1})"
    )


class _Parser:
    def __init__(self, text: str, variables: dict[str, list[str]]) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.variables = variables

    def peek(self, offset: int = 0) -> _Token:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, kind: str, text: str | None = None) -> _Token:
        tok = self.peek()
        if tok.kind != kind or (text is not None and tok.text != text):
            want = f"'{text}'" if text else kind
            raise _syntax(self.text, tok.pos, f"expected {want}")
        return self.take()

    def is_kw(self, word: str, offset: int = 0) -> bool:
        tok = self.peek(offset)
        return tok.kind == "kw" and tok.text == word

    def parse(self) -> Node:
        node = self.or_expr()
        if self.peek().kind != "end":
            raise _syntax(
                self.text, self.peek().pos, "expected 'and', 'or' or end of input"
            )
        return node

    def or_expr(self) -> Node:
        parts = [self.and_expr()]
        while self.is_kw("or"):
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else Or(parts)

    def and_expr(self) -> Node:
        parts = [self.unary()]
        while self.is_kw("and"):
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(parts)

    def unary(self) -> Node:
        if self.is_kw("not"):
            self.take()
            self.expect("punct", "(")
            inner = self.or_expr()
            self.expect("punct", ")")
            return Not(inner)
        tok = self.peek()
        if tok.kind == "punct" and tok.text == "(":
            self.take()
            inner = self.or_expr()
            self.expect("punct", ")")
            return inner
        return self.field_predicate()

    def field_predicate(self) -> Node:
        tok = self.peek()
        # keywords may name fields too ("empty", "all", ...): position decides
        if tok.kind != "ident" and not (tok.kind == "kw" and tok.text != "not"):
            raise _syntax(self.text, tok.pos, "expected a field name, 'not' or '('")
        self.take()
        name = tok.raw.strip("`")
        nxt = self.peek()
        if nxt.kind == "punct" and nxt.text == "(":
            self.take()
            inner = self.or_expr()
            self.expect("punct", ")")
            return Nested(name, inner)
        if nxt.kind == "op":
            self.take()
            return Compare(name, "!=" if nxt.text == "<>" else nxt.text, self.value())
        if self.is_kw("in"):
            self.take()
            return In(name, self.value_list())
        if self.is_kw("not") and self.is_kw("in", 1):
            self.i += 2
            return In(name, self.value_list(), negated=True)
        if self.is_kw("is"):
            self.take()
            negated = self.is_kw("not")
            if negated:
                self.take()
            if self.is_kw("defined"):
                self.take()
                return Defined(name, not negated)
            if self.is_kw("empty"):
                self.take()
                return Empty(name, not negated)
            raise _syntax(self.text, self.peek().pos, "expected 'defined' or 'empty'")
        if self.is_kw("contains"):
            self.take()
            for mode in ("any", "all"):
                if self.is_kw(mode):
                    self.take()
                    return Contains(name, mode, self.value_list())
            return Contains(name, "one", [self.value()])
        raise _syntax(
            self.text, nxt.pos, "expected an operator, 'in', 'is', 'contains' or '('"
        )

    def value(self) -> Literal:
        tok = self.take()
        if tok.kind == "string":
            text = _unescape(tok.text[1:-1])
            return Literal(normalize_datetime(text) or text)
        if tok.kind == "number":
            return Literal(float(tok.text) if "." in tok.text else int(tok.text))
        if tok.kind == "kw" and tok.text in ("true", "false"):
            return Literal(tok.text == "true")
        if tok.kind == "placeholder":
            values = self.variable(tok)
            if len(values) != 1:
                raise PredicateError(
                    f"Placeholder '{tok.text}' needs exactly one value here."
                )
            return Literal(values[0], from_var=True)
        raise _syntax(
            self.text,
            tok.pos,
            "expected a value (string, number, boolean or :placeholder)",
        )

    def value_list(self) -> list[Literal]:
        tok = self.peek()
        if tok.kind == "placeholder":
            self.take()
            return [Literal(v, from_var=True) for v in self.variable(tok)]
        self.expect("punct", "(")
        values = [self.value()]
        while self.peek().kind == "punct" and self.peek().text == ",":
            self.take()
            values.append(self.value())
        self.expect("punct", ")")
        return values

    def variable(self, tok: _Token) -> list[str]:
        name = tok.text[1:]
        if name not in self.variables:
            raise PredicateError(
                f"Malformed parameter: where: missing value for placeholder '{tok.text}' "
                f"(pass var.{name})."
            )
        return self.variables[name]


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: m.group(1), text)


def parse(text: str, variables: dict[str, list[str]] | None = None) -> Node:
    """Parse one predicate. ``variables`` maps placeholder names to their ``var.*`` values."""
    if not text.strip():
        raise PredicateError("Syntax error while parsing 'where'. Empty predicate.")
    return _Parser(text, variables or {}).parse()
