"""Imports: a 50 MB ENEX file and a 100,000-interval Timewarrior export.

Both go through the real import services (opstui.services.imports_enex and
opstui.services.imports_time). Each import runs in a fresh child process, so its
peak RSS (ru_maxrss) is the import's own, Python and opstui included.
Target: peak memory under 200 MB for each; the time taken is reported.

    .venv/bin/python bench/imports.py [--smoke]
"""

from __future__ import annotations

import base64
import json
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import data
from bench.benchlib import Figures, parse_options, peak_rss_mb, print_machine, run_child

ENEX_BYTES = 50 * 1024 * 1024
SMOKE_ENEX_BYTES = 200 * 1024
INTERVALS = 100_000
SMOKE_INTERVALS = 300
TARGET_RSS_MB = 200.0
ATTACHMENT_BYTES = 15_000  # one binary attachment per note, about 20 KB once base64-encoded


def write_enex(path: Path, size: int) -> int:
    """Write an ENEX export of about ``size`` bytes; return its number of notes."""
    rng = random.Random(5)
    words = data.vocabulary(2000)
    cumulative = data.zipf_cumulative_weights(len(words))
    count = 0
    with path.open("w", encoding="utf-8") as output:
        output.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                     '<!DOCTYPE en-export SYSTEM "http://xml.evernote.com/pub/evernote-export4.dtd">\n'
                     '<en-export export-date="20240101T000000Z" application="Evernote" version="10">\n')
        while output.tell() < size:
            paragraphs = "".join(f"<div>{data.note_body(rng, words, cumulative, 400)}</div>" for _ in range(10))
            checklist = "".join(f'<div><en-todo checked="{str(rng.random() < 0.5).lower()}"/>step {step}</div>'
                                for step in range(5))
            encoded = base64.b64encode(rng.randbytes(ATTACHMENT_BYTES)).decode()
            wrapped = "\n".join(encoded[start:start + 76] for start in range(0, len(encoded), 76))
            output.write(
                f"<note><title>Runbook {count}</title>"
                f'<content><![CDATA[<?xml version="1.0" encoding="UTF-8"?><en-note>{paragraphs}{checklist}'
                f"</en-note>]]></content><created>20240102T030405Z</created><updated>20240103T000000Z</updated>"
                f"<tag>Runbooks</tag><tag>Ops {count % 7}</tag>"
                f'<resource><data encoding="base64">\n{wrapped}\n</data><mime>application/octet-stream</mime>'
                f"<resource-attributes><file-name>capture-{count}.pcap</file-name></resource-attributes>"
                f"</resource></note>\n")
            count += 1
        output.write("</en-export>\n")
    return count


def write_timewarrior(path: Path, count: int) -> None:
    """Write `timew export` JSON with ``count`` finished intervals on a dozen tag sets."""
    rng = random.Random(6)
    tag_sets = [["ops", f"project-{number}"] for number in range(12)]
    start = datetime(2023, 1, 2, 8, 0, tzinfo=timezone.utc)
    intervals = []
    for number in range(count):
        start += timedelta(minutes=rng.randint(20, 120))
        end = start + timedelta(minutes=rng.randint(5, 19))
        intervals.append({"id": count - number, "start": start.strftime("%Y%m%dT%H%M%SZ"),
                          "end": end.strftime("%Y%m%dT%H%M%SZ"), "tags": rng.choice(tag_sets),
                          "annotation": f"interval {number}"})
    path.write_text(json.dumps(intervals), encoding="utf-8")


def child(kind: str, source: str, database: str) -> int:
    """Run one import in this process and print its time and peak RSS as JSON."""
    from opstui.services import imports_enex, imports_time
    from opstui.services.session import open_session

    session = open_session(Path(database), login=data.MANAGER)
    baseline = peak_rss_mb()
    started = time.perf_counter()
    if kind == "enex":
        result = imports_enex.import_enex(session, source)
        items = len(result.note_ids)
    else:
        result = imports_time.import_timewarrior(session, source)
        items = result.added
    seconds = time.perf_counter() - started
    session.close()
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "baseline_rss_mb": baseline,
                      "items": items}))
    return 0


def main() -> int:
    options = parse_options(__doc__.splitlines()[0])
    figures = Figures(options.smoke)
    print_machine()

    with tempfile.TemporaryDirectory(prefix="opstui-bench-") as temporary:
        folder = options.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        data.create_database(folder / "imports.db").close()

        enex = folder / "export.enex"
        notes = write_enex(enex, SMOKE_ENEX_BYTES if options.smoke else ENEX_BYTES)
        figures.note(f"ENEX file: {enex.stat().st_size / 1024 / 1024:.1f} MiB, {notes} notes with one attachment each")
        result = run_child([__file__, "--child", "enex", str(enex), str(folder / "imports.db")])
        figures.add("imports.enex_seconds", result["seconds"], "s")
        figures.add("imports.enex_peak_rss", result["peak_rss_mb"], "MiB", target=f"< {TARGET_RSS_MB:g} MB",
                    met=result["peak_rss_mb"] < TARGET_RSS_MB)
        figures.note(f"ENEX: {result['items']} notes imported; RSS before the import {result['baseline_rss_mb']:.0f} MiB")

        timewarrior = folder / "timew-export.json"
        write_timewarrior(timewarrior, SMOKE_INTERVALS if options.smoke else INTERVALS)
        figures.note(f"Timewarrior file: {timewarrior.stat().st_size / 1024 / 1024:.1f} MiB")
        result = run_child([__file__, "--child", "timewarrior", str(timewarrior), str(folder / "imports.db")])
        figures.add("imports.timewarrior_seconds", result["seconds"], "s")
        figures.add("imports.timewarrior_peak_rss", result["peak_rss_mb"], "MiB", target=f"< {TARGET_RSS_MB:g} MB",
                    met=result["peak_rss_mb"] < TARGET_RSS_MB)
        figures.note(f"Timewarrior: {result['items']} intervals imported;"
                     f" RSS before the import {result['baseline_rss_mb']:.0f} MiB")
    return figures.finish()


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        sys.exit(child(*sys.argv[2:]))
    sys.exit(main())
