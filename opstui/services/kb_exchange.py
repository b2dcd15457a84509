"""Export the knowledge base to a folder of Markdown files, and import such a folder.

The export is meant for git: one file per instruction with YAML front matter, file
names from id and title, and the same bytes for the same knowledge base. Text that looks
like a secret is left out unless the caller asks to include it. Import reads an export or
any folder of Markdown runbooks in one transaction, so a bad file changes nothing, and
files that match what is stored change nothing either.
"""

import json
import logging
import mimetypes
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opstui.errors import UserError
from opstui.kb.document import Document, load_document
from opstui.kb.frontmatter import FRONT_MATTER_KEYS, join_front_matter, stable_file_name
from opstui.kb.masked_secrets import restore_masked_secrets
from opstui.kb.sections import components_list
from opstui.secret_scan import MASK, describe_findings, scan_secrets
from opstui.services import kb, permissions
from opstui.services.session import Session
from opstui.store import Transaction
from opstui.store import kb as kb_rows

log = logging.getLogger(__name__)

MARKDOWN_SUFFIXES = (".md", ".markdown", ".md.erb")
ATTACHMENTS_FOLDER = "attachments"


@dataclass
class ExportResult:
    """The outcome of an export: files written, files already identical, stale files removed."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    """The outcome of an import, by file name."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Files whose text looks like it contains a secret. An import stores them as
    # written, because refusing some files would leave the import half done.
    secret_files: list[str] = field(default_factory=list)
    # Files whose secrets an export masked and whose stored secrets were kept in place.
    secrets_left_out: list[str] = field(default_factory=list)


# -- export ------------------------------------------------------------------


def export_knowledge_base(session: Session, folder: Path, *, include_secrets: bool = False) -> ExportResult:
    """Write one Markdown file per instruction into folder, plus its attachments.

    The text in force is exported: the official revision, or the draft of an instruction
    never published. Files whose bytes would not change are left alone.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder} is a file; give a folder to export the knowledge base into")
    folder.mkdir(parents=True, exist_ok=True)

    result = ExportResult()
    planned: dict[Path, bytes] = {}
    for row in kb.list_instructions(session):
        instruction = kb.get_instruction(session, row["id"])
        file_name = stable_file_name(kb.current_text(instruction)[0], instruction["id"])
        text, warning = _export_text(session, instruction, file_name, include_secrets)
        if warning:
            result.warnings.append(warning)
        planned[folder / file_name] = text.encode("utf-8")

        for attachment in kb.attachments(session, instruction["id"]):
            data = kb.attachment(session, attachment["id"])["data"]
            planned[_attachment_path(folder, instruction["id"], attachment["file_name"])] = data

    for path, data in sorted(planned.items()):
        if path.is_file() and path.read_bytes() == data:
            result.unchanged.append(path)
            continue
        _write_atomically(path, data)
        result.written.append(path)

    result.removed = _remove_stale_exports(folder, set(planned))
    log.info("exported knowledge base to %s: %d written, %d unchanged, %d removed", folder,
             len(result.written), len(result.unchanged), len(result.removed))
    return result


def _export_text(session: Session, instruction: dict[str, Any], file_name: str,
                 include_secrets: bool) -> tuple[str, str]:
    title, body = kb.current_text(instruction)
    warning = ""
    scan = scan_secrets(body)
    if scan.found and include_secrets:
        warning = (f"{file_name}: written with {len(scan.findings)} suspected secret(s) because "
                   f"--include-secrets was given:\n{describe_findings(scan.findings)}")
    elif scan.found:
        body = scan.masked_text
        warning = (f"{file_name}: left out {len(scan.findings)} suspected secret(s); give --include-secrets "
                   f"to write them:\n{describe_findings(scan.findings)}")

    metadata: dict[str, Any] = dict(instruction["extra_front_matter"])
    metadata.update({
        "id": instruction["id"],
        "title": title,
        "status": "official" if instruction["official_revision"] is not None else "draft",
        "components": components_list(body),
        "tasks": sorted({link["task_id"] for link in instruction["tasks"]}),
    })
    if instruction["official_revision"] is not None:
        metadata["revision"] = instruction["official_revision"]
    names = [row["file_name"] for row in kb.attachments(session, instruction["id"])]
    if names:
        metadata["attachments"] = names
    return join_front_matter(metadata, body), warning


def _attachment_path(folder: Path, instruction_id: int, file_name: str) -> Path:
    return folder / ATTACHMENTS_FOLDER / f"{instruction_id:04d}" / file_name


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _remove_stale_exports(folder: Path, planned: set[Path]) -> list[Path]:
    """Remove exported files of a renamed instruction: same id prefix, other name."""
    exported_prefixes = {path.name.split("-", 1)[0] for path in planned if path.parent == folder}
    removed = []
    for path in sorted(folder.glob("[0-9][0-9][0-9][0-9]-*.md")):
        if path not in planned and path.name.split("-", 1)[0] in exported_prefixes:
            path.unlink()
            removed.append(path)
    return removed


# -- import ------------------------------------------------------------------


@dataclass
class _ImportFile:
    path: Path
    document: Document
    instruction_id: int | None
    status: str
    body: str
    extra: dict[str, Any]
    task_ids: list[int]
    attachments: dict[str, bytes]


def import_knowledge_base(session: Session, folder: Path) -> ImportResult:
    """Import every Markdown file of folder as instructions, in one transaction.

    A file with an ``id`` in its front matter updates that instruction (or creates it
    with that id). Other files are matched by file name with an earlier import. A file
    whose text differs from what is stored becomes a new draft, never a silent publish.
    Raises UserError, before any write, for a file that cannot be read or parsed and for
    two files with the same id.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder; give the folder that contains the Markdown files")

    files = [_read_import_file(path, folder) for path in _markdown_files(folder)]
    if not files:
        raise UserError(f"{folder} contains no Markdown files (*.md, *.markdown, *.md.erb)")
    _reject_duplicate_ids(files)

    may_publish = permissions.is_allowed(session, "publish_instruction")
    result = ImportResult()
    result.secret_files = [item.path.name for item in files if scan_secrets(item.body).found]

    def write(transaction: Transaction) -> None:
        for item in files:
            _import_one(transaction, item, folder, may_publish, result)

    session.store.write(session.login, write)
    log.info("imported %s: %d created, %d updated, %d unchanged", folder, len(result.created),
             len(result.updated), len(result.unchanged))
    return result


def _markdown_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir()
                  if path.is_file() and not path.name.startswith(".")
                  and path.name.lower().endswith(MARKDOWN_SUFFIXES))


def _read_import_file(path: Path, folder: Path) -> _ImportFile:
    document = load_document(path)
    front_matter = document.front_matter

    instruction_id = front_matter.get("id")
    if instruction_id is not None and (isinstance(instruction_id, bool) or not isinstance(instruction_id, int)
                                       or instruction_id < 1):
        raise UserError(f"{path}: front matter id {instruction_id!r} is not a positive whole number; "
                        f"fix it or remove the id line to import the file as a new instruction")

    status = str(front_matter.get("status") or "draft")
    if status not in ("draft", "official"):
        raise UserError(f"{path}: front matter status '{status}' is invalid; use draft or official")

    tasks = front_matter.get("tasks") or []
    if not isinstance(tasks, list) or not all(isinstance(task, int) for task in tasks):
        raise UserError(f"{path}: front matter tasks must be a list of task ids, such as [12, 40]")

    attachments: dict[str, bytes] = {}
    if instruction_id is not None:
        for name in front_matter.get("attachments") or []:
            attachment_path = _attachment_path(folder, instruction_id, str(name))
            if not attachment_path.is_file():
                raise UserError(f"{path}: attachment {attachment_path} is missing; restore it or remove "
                                f"'{name}' from the front matter")
            attachments[str(name)] = attachment_path.read_bytes()

    extra = {key: value for key, value in front_matter.items() if key not in FRONT_MATTER_KEYS}
    return _ImportFile(path=path, document=document, instruction_id=instruction_id, status=status,
                       body=_normalized(document.body), extra=_json_safe(extra), task_ids=list(tasks),
                       attachments=attachments)


def _reject_duplicate_ids(files: list[_ImportFile]) -> None:
    seen: dict[int, Path] = {}
    for item in files:
        if item.instruction_id is None:
            continue
        if item.instruction_id in seen:
            raise UserError(f"{item.path} and {seen[item.instruction_id]} both have id {item.instruction_id}; "
                            f"give one of them another id or remove its id line")
        seen[item.instruction_id] = item.path


def _import_one(transaction: Transaction, item: _ImportFile, folder: Path, may_publish: bool,
                result: ImportResult) -> None:
    name = item.path.name
    title = item.document.title
    existing = None
    if item.instruction_id is not None:
        existing = kb_rows.get_instruction(transaction, item.instruction_id)
    else:
        existing = kb_rows.find_by_import_source(transaction, name)

    if existing is None:
        _create_from_file(transaction, item, may_publish, result)
        return

    changed = _update_from_file(transaction, existing, item, title, result)
    changed = _import_attachments(transaction, existing["id"], item) or changed
    changed = _import_task_links(transaction, existing["id"], item, result) or changed
    (result.updated if changed else result.unchanged).append(name)


def _create_from_file(transaction: Transaction, item: _ImportFile, may_publish: bool, result: ImportResult) -> None:
    name = item.path.name
    title = item.document.title
    publish = item.status == "official" and may_publish
    if item.status == "official" and not may_publish:
        result.warnings.append(f"{name}: imported as a draft because publishing needs the manager role")
    if MASK in item.body:
        result.warnings.append(f"{name}: contains {MASK} where an export left out secrets; "
                               f"write the real values into the new instruction's draft")

    instruction_id = kb_rows.insert_instruction(
        transaction, title=title, draft_body=None if publish else item.body, extra_front_matter=item.extra,
        import_source=None if item.instruction_id is not None else name, instruction_id=item.instruction_id)

    if publish:
        number = int(item.document.front_matter.get("revision") or 1)
        kb_rows.insert_revision(transaction, instruction_id, kind="official", number=number, title=title,
                                body=item.body, task_id=None)
        transaction.execute("UPDATE instructions SET official_revision = ? WHERE id = ?", (number, instruction_id))
    else:
        kb_rows.insert_revision(transaction, instruction_id, kind="draft", number=None, title=title,
                                body=item.body, task_id=None)

    _import_attachments(transaction, instruction_id, item)
    _import_task_links(transaction, instruction_id, item, result)
    transaction.event("instruction.imported", entity="instruction", entity_id=instruction_id,
                      data={"file": name, "status": "official" if publish else "draft"})
    result.created.append(name)


def _update_from_file(transaction: Transaction, existing: dict[str, Any], item: _ImportFile, title: str,
                      result: ImportResult) -> bool:
    instruction_id = existing["id"]
    if existing["draft_body"] is not None and item.status == "draft":
        stored_title, stored_body = existing["draft_title"] or existing["title"], existing["draft_body"]
    elif existing["official_revision"] is not None:
        official = kb_rows.get_official_revision(transaction, instruction_id, existing["official_revision"])
        stored_title, stored_body = official["title"], official["body"]
    else:
        stored_title, stored_body = existing["draft_title"] or existing["title"], existing["draft_body"] or ""

    changed = False
    if _json_safe(existing["extra_front_matter"]) != item.extra:
        kb_rows.set_extra_front_matter(transaction, instruction_id, item.extra)
        changed = True

    # A default export masks secrets, so its masks take the stored secrets back and
    # never overwrite them with asterisks.
    restored = restore_masked_secrets(item.body, _normalized(stored_body))
    body = restored.text
    if restored.restored:
        result.secrets_left_out.append(item.path.name)
    if restored.unresolved:
        result.warnings.append(f"{item.path.name}: {restored.unresolved} {MASK} mask(s) are on changed lines, so "
                               f"they were imported as written; put the real values into the draft of "
                               f"instruction {instruction_id}")

    if stored_title == title and _normalized(stored_body) == body:
        return changed

    if not kb_rows.save_draft(transaction, instruction_id, existing["version"], title=title, body=body,
                              task_id=None):
        raise UserError(f"instruction {instruction_id} changed during the import; run the import again")
    kb_rows.insert_revision(transaction, instruction_id, kind="draft", number=None, title=title, body=body,
                            task_id=None)
    transaction.event("instruction.imported", entity="instruction", entity_id=instruction_id,
                      data={"file": item.path.name, "status": "draft"})
    return True


def _import_attachments(transaction: Transaction, instruction_id: int, item: _ImportFile) -> bool:
    changed = False
    for name, data in sorted(item.attachments.items()):
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        _, was_changed = kb_rows.upsert_attachment(transaction, instruction_id, file_name=name, mime=mime, data=data)
        changed = changed or was_changed
    return changed


def _import_task_links(transaction: Transaction, instruction_id: int, item: _ImportFile,
                       result: ImportResult) -> bool:
    changed = False
    for task_id in item.task_ids:
        if not kb_rows.task_exists(transaction, task_id):
            result.warnings.append(f"{item.path.name}: task {task_id} does not exist here, so it was not linked")
            continue
        already = any(link["task_id"] == task_id for link in kb_rows.instruction_task_links(transaction, instruction_id))
        if not already:
            kb_rows.link_task(transaction, instruction_id, task_id, "uses")
            changed = True
    return changed


def _normalized(body: str) -> str:
    return body.strip("\n") + "\n"


def _json_safe(value: dict[str, Any]) -> dict[str, Any]:
    """Return value as it reads back from JSON, so stored and parsed extras compare equal."""
    return json.loads(json.dumps(value, sort_keys=True, default=str))
