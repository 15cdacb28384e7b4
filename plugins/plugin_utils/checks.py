"""The shape of every role's checks: a list of problems, each naming the
variable the operator set, the value found and what to fix.

A role's `<role>_problems` filter receives its inputs under their real
variable names and returns Problems' list. A value of the wrong type gets one
message naming the variable and the type expected (never one per character of
a string that should have been a list), and the checks that would walk it are
skipped.
"""

from __future__ import annotations

from collections.abc import Iterator


def kind(value) -> str:
    """A value's type as an operator reads YAML: text, number, list, mapping, true/false, nothing."""
    for types, word in ((bool, "true/false"), (str, "text"), ((int, float), "a number"), (list, "a list"),
                        (dict, "a mapping"), (type(None), "nothing")):
        if isinstance(value, types):
            return word
    return type(value).__name__


class Problems(list):
    """Problems found so far; helpers add to it and say whether a value can be walked."""

    def add(self, text: str) -> None:
        self.append(text)

    def is_list(self, var: str, value, shape: str, empty_ok: bool = True) -> bool:
        """True when `value` is a list (non-empty unless empty_ok); otherwise one message."""
        if not isinstance(value, list) or (not empty_ok and not value):
            found = kind(value) if not isinstance(value, list) else "an empty list"
            self.append(f"{var} must be a {'non-empty ' if not empty_ok else ''}list of {shape} (found {found})")
            return False
        return True

    def is_mapping(self, var: str, value, shape: str) -> bool:
        if not isinstance(value, dict):
            self.append(f"{var} must be a mapping of {shape} (found {kind(value)})")
            return False
        return True

    def entries(self, var: str, value, shape: str, label=None) -> Iterator[tuple[str, dict]]:
        """Each mapping of the list variable `var`, with where it stands: `var[i] (its
        name)`, or label(i, entry). The argument spec has checked the entries' keys
        (nested options); a value that is no list, or an entry that is no mapping,
        gets one message here and is not walked."""
        if not self.is_list(var, value, shape):
            return
        for i, entry in enumerate(value):
            if not isinstance(entry, dict):
                self.append(f"{var}[{i}] is not a mapping {shape}")
                continue
            if label is not None:
                yield label(i, entry), entry
            elif isinstance(entry.get("name"), str) and entry["name"]:
                yield f"{var}[{i}] ({entry['name']})", entry
            else:
                yield f"{var}[{i}]", entry

    def first_use(self, where: str, key, seen: dict, what: str) -> bool:
        """True the first time `key` is met (it is remembered with `where`); else one
        message naming the entry that has it already."""
        if key in seen:
            self.append(f"{where}: {what} {key!r} is already used by {seen[key]}")
            return False
        seen[key] = where
        return True

    def unique_name(self, where: str, name, pattern, rule: str, seen: dict, what: str = "the name") -> bool:
        """A name that must match `pattern` (else the message `rule`) and be used once."""
        if not isinstance(name, str) or not pattern.match(name):
            self.append(f"{where}: {rule}")
            return False
        return self.first_use(where, name, seen, what)

    def declared(self, where: str, value, what: str, known, declared_in: str) -> None:
        """A list of names (of `what`s), each of which must be declared in `declared_in`."""
        if not isinstance(value, list):
            self.append(f"{where}: {what}s must be a list of names (found {kind(value)})")
            return
        for name in value:
            if name not in known:
                self.append(f"{where}: {what} {name!r} is not declared in {declared_in}")
