"""Compare what Zabbix holds now with what opstui would send, object by object.

Zabbix returns every scalar as a string, so values are compared as text. Tags are a
list of {"tag", "value"} pairs that ``host.update`` and friends replace wholesale, so
opstui always sends the current tags merged with its own, never its own alone.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

ACTION_CREATE = "create"
ACTION_UPDATE = "update"
ACTION_UNCHANGED = "unchanged"
ACTION_MISSING = "missing"


@dataclass(frozen=True)
class FieldChange:
    """One field whose value in Zabbix differs from the value opstui would send."""

    field: str
    current: Any
    new: Any


@dataclass
class ObjectChange:
    """The review of one Zabbix object: what changes and the exact parameters to send."""

    kind: str
    key: str
    label: str
    action: str
    changes: list[FieldChange] = field(default_factory=list)
    params: dict = field(default_factory=dict)
    message: str = ""

    @property
    def needs_push(self) -> bool:
        return self.action in (ACTION_CREATE, ACTION_UPDATE)


def merge_tags(current: list[dict] | None, wanted: list[dict] | None) -> list[dict]:
    """Return the current tags plus each wanted (tag, value) pair not already present.

    Existing tags are never removed or reordered, because other tools and people own
    them; Zabbix allows one tag name with several values, so pairs are compared whole.
    """
    # NOTE: Zabbix 7.0 marks host tags with "automatic" (1 for tags a discovery rule
    # set). They are sent back as plain pairs; how 7.0 treats that on a discovered
    # host is untested, because the test server runs no discovery.
    merged = [{"tag": str(tag["tag"]), "value": str(tag.get("value", ""))} for tag in current or []]
    present = {(tag["tag"], tag["value"]) for tag in merged}
    for tag in wanted or []:
        pair = (str(tag["tag"]), str(tag.get("value", "")))
        if pair not in present:
            merged.append({"tag": pair[0], "value": pair[1]})
            present.add(pair)
    return merged


def normalize(value: Any) -> Any:
    """Return a value in the form Zabbix returns it, so equal things compare equal."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        if all(isinstance(item, dict) and "tag" in item for item in value):
            return sorted((str(item["tag"]), str(item.get("value", ""))) for item in value)
        return [normalize(item) for item in value]
    if isinstance(value, dict):
        return {key: normalize(item) for key, item in value.items()}
    return str(value)


def compare_fields(current: dict, wanted: dict) -> list[FieldChange]:
    """List the wanted fields whose value differs from the current object's."""
    changes = []
    for name, new_value in wanted.items():
        current_value = current.get(name)
        if isinstance(new_value, dict) and isinstance(current_value, (dict, list, type(None))):
            # Nested objects such as host inventory: compare only the keys opstui sets.
            current_mapping = current_value if isinstance(current_value, dict) else {}
            subset = {key: current_mapping.get(key) for key in new_value}
            if normalize(subset) != normalize(new_value):
                changes.append(FieldChange(name, subset, new_value))
            continue
        if normalize(current_value) != normalize(new_value):
            changes.append(FieldChange(name, current_value, new_value))
    return changes


def diff_object(kind: str, key: str, label: str, current: dict | None, wanted: dict, creatable: bool = False) -> ObjectChange:
    """Return the change for one object; ``params`` holds only the fields that differ.

    ``current`` is None when the object does not exist in Zabbix: scripts are then
    created, while linked hosts, templates and triggers are reported missing.
    """
    if current is None:
        if creatable:
            changes = [FieldChange(name, None, value) for name, value in wanted.items()]
            return ObjectChange(kind, key, label, ACTION_CREATE, changes, dict(wanted))
        return ObjectChange(kind, key, label, ACTION_MISSING, message=f"{kind} {label} ({key}) no longer exists in Zabbix")

    changes = compare_fields(current, wanted)
    if not changes:
        return ObjectChange(kind, key, label, ACTION_UNCHANGED)
    return ObjectChange(kind, key, label, ACTION_UPDATE, changes, {change.field: change.new for change in changes})


def format_value(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list) and all(isinstance(item, dict) and "tag" in item for item in value):
        return ", ".join(f"{item['tag']}={item.get('value', '')}" for item in value) or "(no tags)"
    if isinstance(value, dict):
        return ", ".join(f"{key}={item}" for key, item in value.items())
    return str(value)


def format_change(change: ObjectChange) -> str:
    """Render one object's review as text: a header, then each field as - and + lines."""
    header = f"{change.action.upper():9} {change.kind} {change.label} [{change.key}]"
    if change.action == ACTION_MISSING:
        return f"{header}\n  {change.message}"
    if change.message:
        header = f"{header}\n  {change.message}"

    lines = [header]
    for field_change in change.changes:
        current = format_value(field_change.current)
        new = format_value(field_change.new)
        lines.append(f"  {field_change.field}:")
        if "\n" in current or "\n" in new:
            diff = difflib.unified_diff(current.splitlines(), new.splitlines(), "zabbix", "opstui", lineterm="", n=2)
            lines += [f"    {line}" for line in list(diff)[2:]]
        else:
            lines.append(f"    - {current}")
            lines.append(f"    + {new}")
    return "\n".join(lines)


def format_changes(changes: list[ObjectChange]) -> str:
    """Render a whole review, ending with a count of objects to change."""
    pending = sum(1 for change in changes if change.needs_push)
    body = "\n\n".join(format_change(change) for change in changes)
    summary = f"{pending} of {len(changes)} object(s) to change" if changes else "nothing is linked to Zabbix"
    return f"{body}\n\n{summary}" if body else summary
