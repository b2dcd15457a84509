"""Review diffs between Zabbix's current values and what opstui would send."""

from opstui.zabbix.diff import (
    ACTION_CREATE,
    ACTION_MISSING,
    ACTION_UNCHANGED,
    ACTION_UPDATE,
    compare_fields,
    diff_object,
    format_change,
    format_changes,
    merge_tags,
)


def test_merge_tags_keeps_existing_and_adds_new():
    current = [{"tag": "team", "value": "db"}, {"tag": "env", "value": "prod"}]
    wanted = [{"tag": "env", "value": "prod"}, {"tag": "change", "value": "T-7"}, {"tag": "team", "value": "ops"}]

    merged = merge_tags(current, wanted)

    assert merged == [
        {"tag": "team", "value": "db"},
        {"tag": "env", "value": "prod"},
        {"tag": "change", "value": "T-7"},
        {"tag": "team", "value": "ops"},
    ]


def test_merge_tags_twice_adds_nothing():
    once = merge_tags([{"tag": "a", "value": "1"}], [{"tag": "b"}])
    assert merge_tags(once, [{"tag": "b"}]) == once
    assert once[1] == {"tag": "b", "value": ""}


def test_compare_fields_treats_numbers_as_text():
    assert compare_fields({"scope": "2", "type": "0"}, {"scope": 2, "type": 0}) == []


def test_compare_fields_ignores_tag_order():
    current = {"tags": [{"tag": "b", "value": "2"}, {"tag": "a", "value": "1"}]}
    assert compare_fields(current, {"tags": [{"tag": "a", "value": "1"}, {"tag": "b", "value": "2"}]}) == []


def test_compare_fields_inventory_subset():
    current = {"inventory": {"notes": "n", "url_a": "", "os": "Linux"}}
    assert compare_fields(current, {"inventory": {"notes": "n"}}) == []

    changes = compare_fields(current, {"inventory": {"notes": "new"}})
    assert len(changes) == 1
    assert changes[0].current == {"notes": "n"}


def test_compare_fields_inventory_disabled():
    # Zabbix returns an empty list for a host whose inventory is disabled.
    changes = compare_fields({"inventory": []}, {"inventory": {"notes": "x"}})
    assert changes[0].current == {"notes": None}


def test_diff_object_update_sends_changed_fields_only():
    current = {"triggerid": "1", "comments": "old", "url": "https://kb/x"}
    change = diff_object("trigger", "1", "CPU high", current, {"comments": "new", "url": "https://kb/x"})

    assert change.action == ACTION_UPDATE
    assert change.params == {"comments": "new"}
    assert change.needs_push


def test_diff_object_unchanged():
    change = diff_object("trigger", "1", "CPU high", {"comments": "same"}, {"comments": "same"})
    assert change.action == ACTION_UNCHANGED
    assert not change.needs_push
    assert change.params == {}


def test_diff_object_missing_and_create():
    missing = diff_object("host", "10", "db-2", None, {"description": "x"})
    assert missing.action == ACTION_MISSING
    assert "no longer exists" in missing.message
    assert not missing.needs_push

    created = diff_object("script", "Restart nginx", "Restart nginx", None, {"name": "Restart nginx", "type": 0}, creatable=True)
    assert created.action == ACTION_CREATE
    assert created.params == {"name": "Restart nginx", "type": 0}


def test_format_change_multiline_uses_unified_diff():
    change = diff_object("trigger", "1", "CPU high", {"comments": "a\nb\nc"}, {"comments": "a\nB\nc"})
    text = format_change(change)

    assert text.startswith("UPDATE    trigger CPU high [1]")
    assert "    -b" in text
    assert "    +B" in text


def test_format_change_single_line_and_tags():
    change = diff_object("host", "10", "db-2", {"tags": []}, {"tags": [{"tag": "change", "value": "T-7"}]})
    text = format_change(change)
    assert "    - (no tags)" in text
    assert "    + change=T-7" in text


def test_format_changes_summary():
    changes = [
        diff_object("trigger", "1", "a", {"comments": "x"}, {"comments": "y"}),
        diff_object("trigger", "2", "b", {"comments": "x"}, {"comments": "x"}),
    ]
    assert format_changes(changes).endswith("1 of 2 object(s) to change")
    assert format_changes([]) == "nothing is linked to Zabbix"


def test_inventory_notes_diff_shows_lines():
    current = {"hostid": "10", "inventory": {"notes": "Rack 4.", "url_a": "https://cmdb/10"}}
    wanted = {"inventory": {"notes": "Rack 4.\n\n--- opstui: task 1 ---\nWatch lag.\n--- end of opstui: task 1 ---"}}

    change = diff_object("host", "10", "db-2", current, wanted)
    text = format_change(change)

    assert change.action == ACTION_UPDATE
    assert change.params == wanted
    assert "  inventory:" in text
    assert "    +Watch lag." in text
    assert "url_a" not in text
