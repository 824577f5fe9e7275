"""Alias generators as apps write them: none is named for what it does."""

import re


def camelize(value):
    """Misnamed: it builds PascalCase, with str.title's rules for digits."""
    return "".join(map(str.title, value.split("_")))


def kebab(name: str) -> str:
    return name.replace("_", "-")


def lower_camel(s):
    head, *tail = s.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in tail)


def re_camel(s):
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), s)


shout = lambda s: s.upper()  # noqa: E731


def prefixed(field_name: str) -> str:
    if field_name.startswith("is_"):
        return "flag" + field_name[3:].title().replace("_", "")
    parts = [p for p in field_name.split("_") if p]
    return f"x_{len(parts)}_" + "_".join(reversed(parts))
