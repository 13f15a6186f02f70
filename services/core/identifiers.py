"""SQL identifiers: quoting names for generated SQL, and reading `schema.table` the way Postgres does.

One rule everywhere a person types a table name (the catalog, lineage, the API, the CLI):
- a double-quoted part is taken exactly (`"Sales"."Q1 Totals"`), `""` inside it is a quote;
- an unquoted part matches as written, else as Postgres folds it (lower case), so `Gold.Finance_Expenses`
  finds `gold.finance_expenses` while a table created as `"MyTable"` is still found as `public.MyTable`.
`services/core/table_names.py` looks the parsed name up in the catalog."""

from __future__ import annotations

from dataclasses import dataclass

from services.core.errors import InvalidInput


def quote_ident(name: str) -> str:
    """One identifier, always double-quoted (safe for any character, newlines included)."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A string constant for generated SQL (standard-conforming strings: quotes doubled, NUL refused)."""
    if "\x00" in text:
        raise InvalidInput("Text for SQL may not contain a NUL character.")
    return "'" + text.replace("'", "''") + "'"


def printable(text: str) -> str:
    """`text` safe inside a one-line SQL comment or a header: control characters (newlines too) escaped."""
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)


def plain_name(name: str) -> str:
    """A column or table name as it can be written in SQL: bare when it needs no quotes."""
    simple = name.isidentifier() and name == name.lower() and name.isascii()
    return name if simple else quote_ident(name)


def quoted(qualified: str) -> str:
    """`schema.table` (as the catalog lists it: first dot splits) as a quoted SQL name."""
    schema, _, table = qualified.partition(".")
    return f"{quote_ident(schema)}.{quote_ident(table)}"


def qualified_name(schema: str, table: str) -> str:
    """Schema and table quoted and joined, for generated SQL."""
    return f"{quote_ident(schema)}.{quote_ident(table)}"


@dataclass(frozen=True)
class NamePart:
    """One part of a dotted name: its text and whether it was double-quoted."""

    text: str
    quoted: bool

    def candidates(self) -> tuple[str, ...]:
        """The spellings it may match: exactly when quoted, else as written then folded to lower case."""
        if self.quoted or self.text == self.text.lower():
            return (self.text,)
        return (self.text, self.text.lower())


def split_name(text: str) -> list[NamePart]:
    """Split a dotted SQL name into parts, honouring double quotes; InvalidInput when malformed."""
    parts: list[NamePart] = []
    i, text = 0, (text or "").strip()
    while i <= len(text):
        if i < len(text) and text[i] == '"':
            j, chars = i + 1, []
            while True:
                if j >= len(text):
                    raise InvalidInput(f"Unclosed double quote in {text!r}.")
                if text[j] == '"':
                    if j + 1 < len(text) and text[j + 1] == '"':
                        chars.append('"')
                        j += 2
                        continue
                    break
                chars.append(text[j])
                j += 1
            parts.append(NamePart("".join(chars), True))
            i = j + 1
        else:
            j = text.find(".", i)
            j = len(text) if j < 0 else j
            parts.append(NamePart(text[i:j].strip(), False))
            i = j
        if i < len(text) and text[i] != ".":
            raise InvalidInput(f"Unexpected text after a quoted name in {text!r}.")
        i += 1
    if any(not p.text for p in parts):
        raise InvalidInput(f"{text!r} has an empty name part.")
    return parts


def split_table_name(text: str) -> tuple[NamePart, NamePart]:
    """`schema.table` → its two parts; InvalidInput unless there are exactly two."""
    try:
        parts = split_name(text)
    except InvalidInput:
        if '"' in (text or ""):
            raise
        parts = []
    if len(parts) != 2:
        raise InvalidInput("Name the table as schema.table.")
    return parts[0], parts[1]


def split_column_reference(text: str) -> tuple[str, str | None]:
    """`schema.table` or `schema.table.column` → (the table's name as written, the column or None)."""
    parts = split_name(text)
    if len(parts) not in (2, 3):
        raise InvalidInput("Write schema.table or schema.table.column.")
    table = ".".join(quote_ident(p.text) if p.quoted else p.text for p in parts[:2])
    return table, (parts[2].text if len(parts) == 3 else None)
