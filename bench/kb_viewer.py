"""Knowledge base: parsing a 1 MB runbook and opening, paging and searching it in the viewer.

A 1 MB runbook must open and scroll without stalls. The viewer renders parts of
the document only as they come near the screen, so opening and paging should not
grow with the document's length. Each step waits until the viewer has settled
(parts rendered, jump scrolled), and prints CPU time beside wall time.

    .venv/bin/python bench/kb_viewer.py [--smoke]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.benchlib import Figures, parse_options, print_machine
from opstui.app import build_app
from opstui.kb.document import load_document
from opstui.kb.steps import extract_steps
from opstui.screens.instruction_viewer import InstructionViewer
from opstui.services.session import open_session

SECTIONS = 14_000  # about 1.1 MB of Markdown
SMOKE_SECTIONS = 50
PARSE_TARGET_S = 1.0
OPEN_TARGET_S = 1.0
PAGE_TARGET_MS = 100.0
SECTION = "## Section {n}\n\n1. Run it:\n\n   ```\n   echo {n}\n   ```\n\nProse with a [link][ref].\n\n"


def make_runbook(sections: int) -> str:
    return "# Big\n\n" + "".join(SECTION.format(n=n) for n in range(sections)) + "\n[ref]: https://example.org\n"


async def measure_viewer(body: str, folder: Path, figures: Figures, smoke: bool) -> None:
    session = open_session(folder / "kb.db", login="bench")
    app = build_app(session)
    # Page Down measures the work of a page, not the length of the scroll animation.
    app.animation_level = "none"
    async with app.run_test(size=(120, 40)) as pilot:
        started, started_cpu = time.perf_counter(), time.process_time()
        viewer = InstructionViewer(title="Big", body=body)
        await app.push_screen(viewer)
        await pilot.pause()
        await viewer.wait_until_settled()
        opened = time.perf_counter() - started
        figures.add("kb_viewer.viewer_open", opened, "s", target=f"< {OPEN_TARGET_S:g} s", met=opened < OPEN_TARGET_S)
        figures.add("kb_viewer.viewer_open_cpu", time.process_time() - started_cpu, "s")
        figures.add("kb_viewer.viewer_parts_rendered_at_open", viewer.mounted_chunks, "parts")

        # Page Down must scroll the document, not the table of contents.
        document = viewer.document_view
        if app.focused is not document:
            document.focus()
            await pilot.pause()
        page_times, page_cpu = [], []
        for _ in range(3 if smoke else 20):
            started, started_cpu = time.perf_counter(), time.process_time()
            await pilot.press("pagedown")
            await pilot.pause()
            await viewer.wait_until_settled()
            page_times.append((time.perf_counter() - started) * 1000)
            page_cpu.append((time.process_time() - started_cpu) * 1000)
        page_times.sort()
        page_cpu.sort()
        median_ms = page_times[len(page_times) // 2]
        figures.add("kb_viewer.viewer_page_down_median", median_ms, "ms", target=f"< {PAGE_TARGET_MS:g} ms",
                    met=median_ms < PAGE_TARGET_MS)
        figures.add("kb_viewer.viewer_page_down_max", page_times[-1], "ms")
        figures.add("kb_viewer.viewer_page_down_cpu_median", page_cpu[len(page_cpu) // 2], "ms")
        figures.add("kb_viewer.viewer_page_down_cpu_max", page_cpu[-1], "ms")
        figures.add("kb_viewer.viewer_scrolled_lines", int(document.scroll_y), "lines")

        last = f"echo {body.count('## Section') - 1}"
        started, started_cpu = time.perf_counter(), time.process_time()
        viewer.find(last)
        await pilot.pause()
        await viewer.wait_until_settled()
        figures.add("kb_viewer.viewer_find_last_section", time.perf_counter() - started, "s")
        figures.add("kb_viewer.viewer_find_last_section_cpu", time.process_time() - started_cpu, "s")
        figures.add("kb_viewer.viewer_find_match_in_view", "yes" if last in document.visible_text() else "NO")
        figures.add("kb_viewer.viewer_parts_rendered_after_find", viewer.mounted_chunks, "parts")
    session.close()


def main() -> int:
    options = parse_options(__doc__.splitlines()[0])
    figures = Figures(options.smoke)
    print_machine()
    body = make_runbook(SMOKE_SECTIONS if options.smoke else SECTIONS)
    figures.add("kb_viewer.runbook_size", len(body.encode()) / 1_000_000, "MB")

    with tempfile.TemporaryDirectory() as temporary:
        folder = options.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "big.md"
        path.write_text(body, encoding="utf-8")

        started = time.process_time()
        document = load_document(path)
        parse_cpu = time.process_time() - started
        figures.add("kb_viewer.parse_cpu", parse_cpu, "s", target=f"< {PARSE_TARGET_S:g} s", met=parse_cpu < PARSE_TARGET_S)

        started = time.process_time()
        steps = extract_steps(document.body)
        figures.add("kb_viewer.extract_steps_cpu", time.process_time() - started, "s")
        figures.add("kb_viewer.steps", len(steps), "steps")

        asyncio.run(measure_viewer(body, folder, figures, options.smoke))
    return figures.finish()


if __name__ == "__main__":
    sys.exit(main())
