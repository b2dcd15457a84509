"""Monitoring text built from an instruction's monitoring section."""

import pytest

from opstui.errors import UserError
from opstui.zabbix.monitoring import (
    TEXT_FIELD_MAX_LENGTH,
    build_host_description,
    build_trigger_comments,
    build_url_name,
    check_monitoring_section,
    instruction_url,
    merge_block,
)

SECTION = {
    "what_to_watch": "Replication lag on db-2.",
    "failure_criteria": "Lag above 30 s for 5 minutes.",
    "action_on_failure": "Page the DBA on call; follow step 4 of the instruction.",
}
URL = "https://kb.example.com/instructions/pg-replica"


def test_trigger_comments_hold_all_parts():
    comments = build_trigger_comments(SECTION, URL, "Add a PostgreSQL replica")

    assert "What to watch:\nReplication lag on db-2." in comments
    assert "Failure criteria:\nLag above 30 s for 5 minutes." in comments
    assert "Action on failure:\nPage the DBA on call" in comments
    assert comments.endswith("Instruction: Add a PostgreSQL replica\n" + URL)
    assert comments.index("What to watch") < comments.index("Failure criteria") < comments.index("Action on failure")


def test_empty_parts_left_out():
    comments = build_trigger_comments({"failure_criteria": "Disk over 90 %", "what_to_watch": "  "}, None)
    assert comments == "Failure criteria:\nDisk over 90 %"


def test_host_description_names_instruction():
    description = build_host_description(SECTION, URL)
    assert "Replication lag on db-2." in description
    assert description.endswith("Instruction: " + URL)


def test_empty_section_rejected():
    with pytest.raises(UserError, match="monitoring section is empty"):
        build_trigger_comments({"what_to_watch": "", "failure_criteria": None}, URL)


def test_unknown_section_key_rejected():
    with pytest.raises(UserError, match="unknown key"):
        check_monitoring_section({"what_to_watch": "x", "how": "y"})


def test_oversized_text_rejected():
    with pytest.raises(UserError, match=str(TEXT_FIELD_MAX_LENGTH)):
        build_trigger_comments({"what_to_watch": "x" * TEXT_FIELD_MAX_LENGTH}, URL)


def test_instruction_url_joins_and_quotes():
    assert instruction_url("https://kb.example.com/docs/", "/ops/pg replica.html") == "https://kb.example.com/docs/ops/pg%20replica.html"
    assert instruction_url(None, "x") is None


def test_url_name_cut_to_limit():
    assert build_url_name("Short") == "Instruction: Short"
    long_name = build_url_name("y" * 100)
    assert len(long_name) == 64
    assert long_name.endswith("…")


def test_merge_block_into_empty_text():
    merged = merge_block("", "T-7", "hello")
    assert merged == "--- opstui: T-7 ---\nhello\n--- end of opstui: T-7 ---"


def test_merge_block_keeps_other_text():
    existing = "Owned by the network team.\nCall 555-0100."
    merged = merge_block(existing, "T-7", "watch this")
    assert merged.startswith(existing + "\n\n--- opstui: T-7 ---\nwatch this\n")


def test_merge_block_replaces_own_block_only():
    first = merge_block("Intro", "T-7", "old text\nline 2")
    both = merge_block(first + "\n\nOutro", "T-9", "other change")
    updated = merge_block(both, "T-7", "new text")

    assert "old text" not in updated
    assert "line 2" not in updated
    assert "new text" in updated
    assert "other change" in updated
    assert updated.startswith("Intro\n\n--- opstui: T-7 ---\nnew text\n--- end of opstui: T-7 ---\n\nOutro")


def test_merge_block_is_stable():
    once = merge_block("Intro", "T-7", "text")
    assert merge_block(once, "T-7", "text") == once
