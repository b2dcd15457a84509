"""Side-by-side diff rows and the three-way merge of note texts."""

from opstui.textdiff import changed_line_count, merge_three_way, side_by_side, unified_diff

BASE = "alpha\nbeta\ngamma\ndelta\n"


def test_side_by_side_equal_texts():
    rows = side_by_side(BASE, BASE)

    assert [row.kind for row in rows] == ["equal"] * 4
    assert rows[0].old_number == 1
    assert rows[3].new_line == "delta"


def test_side_by_side_replace_insert_delete():
    rows = side_by_side("a\nb\nc\n", "a\nB\nc\nd\n")

    assert [row.kind for row in rows] == ["equal", "replace", "equal", "insert"]
    assert (rows[1].old_line, rows[1].new_line) == ("b", "B")
    assert rows[3].old_number is None
    assert rows[3].old_line is None
    assert rows[3].new_number == 4


def test_side_by_side_uneven_replace():
    rows = side_by_side("a\nx\ny\nz\nb", "a\nq\nb")

    kinds = [row.kind for row in rows]
    assert kinds == ["equal", "replace", "delete", "delete", "equal"]
    assert rows[2].new_line is None
    assert rows[4].old_number == 5
    assert rows[4].new_number == 3


def test_side_by_side_keeps_markup_literal():
    rows = side_by_side("[b]x[/b]\n", "[@click=app.quit]y\n")

    assert rows[0].old_line == "[b]x[/b]"
    assert rows[0].new_line == "[@click=app.quit]y"


def test_unified_diff_output():
    diff = unified_diff("a\nb\n", "a\nc\n", "rev 1", "rev 2")

    assert diff.startswith("--- rev 1\n+++ rev 2\n")
    assert "-b\n+c\n" in diff
    assert unified_diff("same", "same") == ""


def test_changed_line_count():
    assert changed_line_count(BASE, BASE) == 0
    assert changed_line_count("a\nb\n", "a\nc\nd\n") == 2


def test_merge_takes_both_separate_edits():
    ours = "ALPHA\nbeta\ngamma\ndelta\n"
    theirs = "alpha\nbeta\ngamma\nDELTA\nepsilon\n"

    result = merge_three_way(BASE, ours, theirs)

    assert result.clean
    assert result.text == "ALPHA\nbeta\ngamma\nDELTA\nepsilon\n"


def test_merge_same_edit_taken_once():
    edited = "alpha\nBETA\ngamma\ndelta\n"

    result = merge_three_way(BASE, edited, edited)

    assert result.conflicts == 0
    assert result.text == edited


def test_merge_conflicting_edit_marked():
    ours = "alpha\nbeta from bob\ngamma\ndelta\n"
    theirs = "alpha\nbeta from alice\ngamma\ndelta\n"

    result = merge_three_way(BASE, ours, theirs, "bob", "alice")

    assert result.conflicts == 1
    assert not result.clean
    assert result.text == (
        "alpha\n<<<<<<< bob\nbeta from bob\n=======\nbeta from alice\n>>>>>>> alice\ngamma\ndelta\n"
    )


def test_merge_delete_against_untouched():
    ours = "alpha\ngamma\ndelta\n"

    result = merge_three_way(BASE, ours, BASE)

    assert result.clean
    assert result.text == ours


def test_merge_empty_base():
    result = merge_three_way("", "mine\n", "theirs\n")

    assert result.conflicts == 1
    assert "mine" in result.text
    assert "theirs" in result.text


def test_merge_both_append_at_end():
    result = merge_three_way("a\n", "a\nb\n", "a\nc\n")

    assert result.conflicts == 1
    assert result.text.startswith("a\n<<<<<<< yours\nb\n=======\nc\n>>>>>>> theirs\n")
