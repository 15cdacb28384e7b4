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

    def entries(self, var: str, value, shape: str, keys, required=()) -> Iterator[tuple[str, dict]]:
        """Each mapping of the list variable `var`, with where it stands (its name,
        when it has one), after naming what is wrong with the list's and entries'
        shape: not a list, an entry that is no mapping, unknown or missing keys."""
        if not self.is_list(var, value, shape):
            return
        for i, entry in enumerate(value):
            where = f"{var}[{i}]"
            if not isinstance(entry, dict):
                self.append(f"{where} is not a mapping with {', '.join(required or keys)}")
                continue
            if isinstance(entry.get("name"), str):
                where = f"{var}[{i}] ({entry['name']})"
            unknown = set(entry) - set(keys)
            if unknown:
                self.append(f"{where} has unknown keys: {', '.join(sorted(map(str, unknown)))} "
                            f"(known: {', '.join(keys)})")
            missing = [k for k in required if entry.get(k) in (None, "")]
            if missing:
                self.append(f"{where} lacks {', '.join(missing)}")
            yield where, entry
