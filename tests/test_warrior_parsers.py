"""The Taskwarrior and Timewarrior parsers read every corpus file and name the line at fault."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from opstui.errors import UserError
from opstui.timelog.taskwarrior import parse_taskwarrior, read_taskwarrior
from opstui.timelog.timewarrior import parse_timewarrior, read_timewarrior

BROKEN_ON_PURPOSE = "aibor-timewarrior-extensions__input_invalid_json.txt"


def corpus_files(corpus_dir: Path, folder: str) -> list[Path]:
    files = sorted((corpus_dir / folder).iterdir())
    assert files, f"no files in {corpus_dir / folder}"
    return files


def test_taskwarrior_corpus_files_parse(corpus_dir):
    for path in corpus_files(corpus_dir, "taskwarrior"):
        tasks = read_taskwarrior(path)

        assert tasks, path
        assert all(task.uuid and task.description for task in tasks), path


def test_taskwarrior_dstask_export(corpus_dir):
    tasks = read_taskwarrior(corpus_dir / "taskwarrior" / "dstask__taskwarrior-export.json")
    statuses = [task.status for task in tasks]

    assert len(tasks) == 147
    assert statuses.count("pending") == 45
    assert statuses.count("completed") == 99
    assert statuses.count("deleted") == 3
    assert sum(1 for task in tasks if task.annotations) == 58
    assert all(task.tags for task in tasks)
    assert any(task.priority == "H" for task in tasks)
    assert any(task.project for task in tasks)
    assert all("urgency" in task.extra for task in tasks)
    assert not any("\\/" in annotation.description for task in tasks for annotation in task.annotations)


def test_taskwarrior_hook_objects_keep_latest(corpus_dir):
    tasks = read_taskwarrior(corpus_dir / "taskwarrior" / "timewarrior__task_modify-3.json")

    assert len(tasks) == 1
    assert tasks[0].due == datetime(2018, 3, 31, 22, 0, tzinfo=UTC)
    assert tasks[0].line == 8


def test_timewarrior_corpus_files(corpus_dir):
    for path in corpus_files(corpus_dir, "timewarrior"):
        if path.name == BROKEN_ON_PURPOSE:
            with pytest.raises(UserError) as raised:
                read_timewarrior(path)
            assert f"{path} line 8" in str(raised.value)
            assert "starts on line 7" in str(raised.value)
            assert "invalid JSON" in str(raised.value)
        else:
            assert read_timewarrior(path).intervals, path


def test_timewarrior_extension_input(corpus_dir):
    parsed = read_timewarrior(corpus_dir / "timewarrior" / "aibor-timewarrior-extensions__input_valid_entries.txt")

    assert parsed.settings == {"color": "on", "reports.day.axis": "internal"}
    assert [interval.timew_id for interval in parsed.intervals] == [3, 2, 1]
    assert [interval.line for interval in parsed.intervals] == [5, 6, 7]
    assert parsed.intervals[0].start == datetime(2024, 6, 30, 10, 21, 28, tzinfo=UTC)
    assert parsed.intervals[0].end == datetime(2024, 6, 30, 10, 21, 31, tzinfo=UTC)
    assert parsed.intervals[2].end is None


BARE_EXPORT = """[
{"id":2,"start":"20240101T090000Z","end":"20240101T100000Z","tags":["ops","db"],"annotation":"vacuum","client":"acme"},
{"id":1,"start":"20240101T110000Z","tags":["ops"]}
]
"""


def test_timewarrior_bare_export_keeps_unknown_fields():
    parsed = parse_timewarrior(BARE_EXPORT)

    assert parsed.settings == {}
    assert parsed.intervals[0].tags == ("ops", "db")
    assert parsed.intervals[0].annotation == "vacuum"
    assert parsed.intervals[0].extra == {"client": "acme"}
    assert parsed.intervals[1].end is None


def test_timewarrior_empty_array_and_string_ids():
    assert parse_timewarrior("[]\n").intervals == []
    assert parse_timewarrior('[{"id":"7","start":"20240101T090000Z"}]').intervals[0].timew_id == 7


TIMEWARRIOR_ERRORS = [
    ("", "the file is empty"),
    ("color: on\n[\n]", "line 2: no blank line between the settings"),
    ("color: on\ndebug: off", "no blank line after the settings"),
    ("color on\n\n[]", "line 1: invalid setting 'color on'"),
    ('[\n{"start":"20240101T090000Z"},\n{"end":"20240101T100000Z"}\n]', "line 3 (interval 2): missing start"),
    ('[{"start":"2024-01-01 09:00"}]', "line 1 (interval 1): start '2024-01-01 09:00' has no time zone"),
    ('[{"start":"yesterday"}]', "invalid start 'yesterday'"),
    ('[{"start":"20240101T100000Z","end":"20240101T090000Z"}]', "is before start"),
    ('[{"start":"20240101T090000Z","tags":"ops"}]', "tags must be a list"),
    ('[{"start":"20240101T090000Z"} {"start":"20240101T100000Z"}]', "expected ',' or ']'"),
    ('[{"start":"20240101T090000Z"}', "not closed"),
    ('[{"start":"20240101T090000Z"}] trailing', "unexpected text"),
    ("[1]", "expected an object"),
]


@pytest.mark.parametrize(("text", "message"), TIMEWARRIOR_ERRORS)
def test_timewarrior_errors_name_the_place(text, message):
    with pytest.raises(UserError) as raised:
        parse_timewarrior(text, source="t.json")

    assert message in str(raised.value)
    assert str(raised.value).startswith("t.json")


UUID_A = "11111111-2222-3333-4444-555555555555"
UUID_B = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


def test_taskwarrior_concatenated_objects_and_udas():
    text = (
        f'{{"uuid":"{UUID_A}","description":"one","status":"pending","estimate":"PT2H","project":"ops.db"}}\n'
        f'{{"uuid":"{UUID_B}","description":"two","status":"completed","end":"20240101T100000Z",'
        '"annotations":[{"entry":"20240101T090000Z","description":"done it"}],"depends":"x"}\n'
    )

    tasks = parse_taskwarrior(text)

    assert [task.uuid for task in tasks] == [UUID_A, UUID_B]
    assert tasks[0].extra == {"estimate": "PT2H"}
    assert tasks[0].project == "ops.db"
    assert tasks[1].annotations[0].description == "done it"
    assert tasks[1].extra == {"depends": "x"}
    assert tasks[1].line == 2


TASKWARRIOR_ERRORS = [
    ("", "the file is empty"),
    ('[{"description":"x"}]', "line 1 (task 1): missing or invalid uuid None"),
    (f'[\n{{"uuid":"{UUID_A}","description":"x"}},\n{{"uuid":"{UUID_B}"}}\n]', "line 3 (task 2): missing description"),
    (f'[{{"uuid":"{UUID_A}","description":"x","status":"open"}}]', "invalid status 'open'"),
    (f'[{{"uuid":"{UUID_A}","description":"x","due":"tomorrow"}}]', "invalid due 'tomorrow'"),
    (f'[{{"uuid":"{UUID_A}","description":"x","tags":[1]}}]', "tags must be a list of strings"),
    (f'[{{"uuid":"{UUID_A}","description":"x","annotations":[{{"entry":"20240101T090000Z"}}]}}]', "annotation 1"),
    (f'[{{"uuid":"{UUID_A}","description":"x","priority":3}}]', "priority must be text"),
    (f'{{"uuid":"{UUID_A}","description":"x"}}\n{{"uuid":', "line 2: invalid JSON"),
]


@pytest.mark.parametrize(("text", "message"), TASKWARRIOR_ERRORS)
def test_taskwarrior_errors_name_the_place(text, message):
    with pytest.raises(UserError) as raised:
        parse_taskwarrior(text, source="t.json")

    assert message in str(raised.value)
