"""Xero's ``where`` and ``order`` query parameters.

``where`` is a small C#-like language: comparisons (``==``, ``!=``, ``>``,
``>=``, ``<``, ``<=``, and ``=`` as the API previewer accepts), ``AND``/``OR``/
``NOT`` (or ``&&``/``||``/``!``), parentheses, literals (strings with ``""``
escapes, numbers, ``true``/``false``/``null``, ``Guid("…")``,
``DateTime(y, m, d[, h, mi, s])``, ``DateTime.Parse("…")``), dotted fields
(``Contact.ContactID``) and the methods ``Contains``, ``StartsWith``,
``EndsWith``, ``ToLower``, ``ToUpper``, ``Trim`` and ``ToString``.

Like Xero, field names are matched case-insensitively, string comparisons
ignore case (Xero's database collation), an empty string equals ``null``, and
comparing a field with a literal of another type is refused:
``Operator '==' incompatible with operand types 'Boolean' and 'String'``.
Every problem raises ``QueryError``, which the API turns into Xero's
``QueryParseException`` (HTTP 400, ``ErrorNumber`` 16).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from xerodesk.sandbox import wire
from xerodesk.sandbox.fields import CONTACTS, FieldType, Kind
from xerodesk.sandbox.query_ops import (
    Getter,
    Predicate,
    QueryError,
    Typed,
    as_text,
    both,
    compare,
    either,
    sort_key,
    truthy,
)

__all__ = [
    "Getter",
    "OrderKey",
    "Predicate",
    "QueryError",
    "compile_where",
    "parse_order",
    "sort_key",
]


SINGULAR = {
    "Contacts": "Contact",
    "Items": "Item",
    "Invoices": "Invoice",
    "CreditNotes": "CreditNote",
    "PurchaseOrders": "PurchaseOrder",
    "TaxRates": "TaxRate",
    "Currencies": "Currency",
}


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|""|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>==|!=|>=|<=|&&|\|\||[<>=!(),.])
    )""",
    re.VERBOSE,
)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")
_COMPARE = {"==", "!=", ">", ">=", "<", "<=", "="}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise QueryError("Syntax error")
        position = match.end()
        kind = match.lastgroup or "op"
        tokens.append(Token(kind, match.group(kind)))
    return tokens


def _unquote(literal: str) -> str:
    body = literal[1:-1]
    return body.replace('""', '"').replace('\\"', '"').replace("\\\\", "\\")


class _Parser:
    def __init__(self, kind: Kind, text: str) -> None:
        self.kind = kind
        self.tokens = tokenize(text)
        self.at = 0

    # token helpers
    def peek(self) -> Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise QueryError("Expression expected")
        self.at += 1
        return token

    def accept(self, *texts: str) -> bool:
        token = self.peek()
        if token is not None and token.kind in ("op", "name") and token.text.upper() in texts:
            self.at += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            raise QueryError(f"'{text}' expected")

    # grammar
    def parse(self) -> Typed:
        if not self.tokens:
            raise QueryError("Expression expected")
        result = self.or_expr()
        if self.peek() is not None:
            raise QueryError(f"Syntax error '{self.peek().text}'")  # type: ignore[union-attr]
        return result

    def or_expr(self) -> Typed:
        left = self.and_expr()
        while self.accept("OR", "||"):
            right = self.and_expr()
            left = Typed(either(left.fn, right.fn), "Boolean")
        return left

    def and_expr(self) -> Typed:
        left = self.unary()
        while self.accept("AND", "&&"):
            right = self.unary()
            left = Typed(both(left.fn, right.fn), "Boolean")
        return left

    def unary(self) -> Typed:
        if self.accept("NOT", "!"):
            inner = self.unary()
            return Typed(lambda get: not truthy(inner.fn(get)), "Boolean")
        return self.comparison()

    def comparison(self) -> Typed:
        left = self.term()
        token = self.peek()
        if token is None or token.kind != "op" or token.text not in _COMPARE:
            return left
        self.at += 1
        right = self.term()
        return compare("==" if token.text == "=" else token.text, left, right)

    def term(self) -> Typed:
        token = self.take()
        if token.text == "(":
            inner = self.or_expr()
            self.expect(")")
            return inner
        if token.kind == "string":
            return _literal(_unquote(token.text), "String")
        if token.kind == "number":
            number = Decimal(token.text)
            return _literal(number, "Decimal" if "." in token.text else "Int32")
        if token.kind == "name":
            return self.name(token.text)
        raise QueryError(f"Syntax error '{token.text}'")

    def name(self, word: str) -> Typed:
        upper = word.upper()
        if upper in ("TRUE", "FALSE"):
            return _literal(upper == "TRUE", "Boolean")
        if upper == "NULL":
            return _literal(None, "Null")
        if upper == "GUID" and self._next_is("("):
            return self.guid()
        if upper == "DATETIME" and (self._next_is("(") or self._next_is(".")):
            return self.datetime_literal()
        return self.field(word)

    def _next_is(self, text: str) -> bool:
        token = self.peek()
        return token is not None and token.text == text

    def string_argument(self) -> str:
        self.expect("(")
        token = self.take()
        if token.kind != "string":
            raise QueryError("String literal expected")
        self.expect(")")
        return _unquote(token.text)

    def guid(self) -> Typed:
        text = self.string_argument()
        if not _GUID.match(text.strip()):
            raise QueryError("Unrecognized Guid format.")
        value = text.strip().replace("-", "").lower()
        canonical = f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
        return _literal(canonical, "Guid")

    def datetime_literal(self) -> Typed:
        if self.accept("."):
            if not self.accept("PARSE"):
                raise QueryError("No applicable method exists in type 'DateTime'")
            moment = wire.parse_date(self.string_argument())
            if moment is None:
                raise QueryError("String was not recognized as a valid DateTime.")
            return _literal(moment, "DateTime")
        self.expect("(")
        parts: list[int] = []
        while True:
            token = self.take()
            if token.kind != "number" or "." in token.text:
                raise QueryError("Integer literal expected")
            parts.append(int(token.text))
            if self.accept(")"):
                break
            self.expect(",")
        if len(parts) not in (3, 6):
            raise QueryError("No applicable constructor exists in type 'DateTime'")
        try:
            parts += [0] * (6 - len(parts))
            year, month, day_, hour, minute, second = parts
            moment = datetime(year, month, day_, hour, minute, second, tzinfo=UTC)
            return _literal(moment, "DateTime")
        except ValueError as exc:
            raise QueryError(str(exc)) from exc

    def field(self, word: str) -> Typed:
        path, ftype = self.field_path(word)
        operand = Typed(lambda get: get(path), _xtype(ftype))
        while self.accept("."):
            method = self.take().text
            operand = self.method(operand, method)
        return operand

    def field_path(self, word: str) -> tuple[str, FieldType | None]:
        head = self.kind.canonical(word)
        if head is None:
            raise QueryError(
                f"No property or field '{word}' exists in type '{SINGULAR[self.kind.name]}'"
            )
        ftype = self.kind.field_type(head)
        path = head
        while ftype in (FieldType.CONTACT, FieldType.OBJECT) and self._next_is("."):
            token = self.tokens[self.at + 1] if self.at + 1 < len(self.tokens) else None
            if token is None or token.kind != "name" or self._is_method(token):
                break
            self.at += 2
            if ftype is FieldType.CONTACT:
                sub = CONTACTS.canonical(token.text)
                if sub is None:
                    raise QueryError(
                        f"No property or field '{token.text}' exists in type 'Contact'"
                    )
                path, ftype = f"{path}.{sub}", CONTACTS.field_type(sub)
            else:
                path, ftype = f"{path}.{token.text}", None
        return path, ftype

    def _is_method(self, token: Token) -> bool:
        following = self.tokens[self.at + 2] if self.at + 2 < len(self.tokens) else None
        return following is not None and following.text == "("

    def method(self, operand: Typed, name: str) -> Typed:
        lowered = name.lower()
        if lowered in ("contains", "startswith", "endswith"):
            argument = self.string_argument().casefold()
            test = {"contains": str.__contains__, "startswith": str.startswith}.get(
                lowered, str.endswith
            )
            if operand.xtype not in ("String", "Any"):
                raise QueryError(f"No applicable method '{name}' exists in type '{operand.xtype}'")
            fn = operand.fn
            return Typed(
                lambda get: isinstance(v := fn(get), str) and test(v.casefold(), argument),
                "Boolean",
            )
        self.expect("(")
        self.expect(")")
        if lowered == "tostring":
            inner = operand.fn
            return Typed(lambda get: as_text(inner(get)), "String")
        if lowered in ("tolower", "toupper", "trim") and operand.xtype in ("String", "Any"):
            transform = {"tolower": str.lower, "toupper": str.upper}.get(lowered, str.strip)
            inner = operand.fn
            return Typed(
                lambda get: transform(v) if isinstance(v := inner(get), str) else v, "String"
            )
        raise QueryError(f"No applicable method '{name}' exists in type '{operand.xtype}'")


def _xtype(ftype: FieldType | None) -> str:
    if ftype in (None, FieldType.OBJECT, FieldType.CONTACT, FieldType.ARRAY):
        return "Any"
    return ftype.value


def _literal(value: Any, xtype: str) -> Typed:
    return Typed(lambda get: value, xtype)


def compile_where(kind: Kind, text: str) -> Predicate:
    """A predicate over a field getter; raises QueryError on a bad filter."""
    compiled = _Parser(kind, text).parse()
    if compiled.xtype not in ("Boolean", "Any"):
        raise QueryError("Expression of type 'Boolean' expected")
    fn = compiled.fn
    return lambda get: truthy(fn(get))


@dataclass(frozen=True)
class OrderKey:
    path: str
    descending: bool


def parse_order(kind: Kind, text: str) -> list[OrderKey]:
    """``Name ASC, Date DESC`` into order keys; raises QueryError."""
    keys: list[OrderKey] = []
    for part in text.split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
            raise QueryError(f"Syntax error in order '{part.strip()}'")
        parser = _Parser(kind, words[0])
        path, _ = parser.field_path(parser.take().text)
        if parser.peek() is not None:
            raise QueryError(f"Syntax error in order '{part.strip()}'")
        keys.append(OrderKey(path, len(words) == 2 and words[1].upper() == "DESC"))
    return keys
