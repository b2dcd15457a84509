"""Find secrets in text before it goes into the shared database.

The shared database is readable by the whole Unix group, so a note, comment,
instruction or knowledge-base export that contains a private key, an API token or a
password should be caught on save and offered a masked version. The scan is a
heuristic: it looks for common shapes and can miss a secret or flag harmless text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MASK = "********"

PRIVATE_KEY = "private key"
API_TOKEN = "API token"
PASSWORD = "password"
URL_PASSWORD = "password in URL"


@dataclass(frozen=True)
class SecretFinding:
    """One suspected secret: its kind, where it starts (1-based) and its line, masked."""

    kind: str
    line: int
    column: int
    masked_line: str


@dataclass(frozen=True)
class SecretScan:
    """The findings in a text and the same text with every finding masked."""

    findings: list[SecretFinding]
    masked_text: str

    @property
    def found(self) -> bool:
        return bool(self.findings)


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    kind: str
    replacement: str = MASK
    reported_at: int | None = None  # where the finding is reported, when not ``start``


# A PEM or OpenSSH private key: everything between the BEGIN and END lines is
# secret. Without an END line the rest of the text is treated as the key.
_PRIVATE_KEY_BEGIN = re.compile(
    r"-----BEGIN (?P<label>[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?)-----[^\S\n]*\n?"
)

# Token shapes with a fixed, documented prefix, so they match without a keyword.
_TOKEN_SHAPES = [
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b"),  # GitHub tokens
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b"),  # GitHub fine-grained tokens
    re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}"),  # GitLab personal access tokens
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),  # AWS access key ids
    re.compile(r"\bxox[abposr]-[A-Za-z0-9\-]{10,}"),  # Slack tokens
    re.compile(r"\bAIza[0-9A-Za-z_\-]{35}"),  # Google API keys
    re.compile(r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}"),  # Stripe secret keys
    re.compile(r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,}"),  # OpenAI and Anthropic keys
    re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),  # JWT
    re.compile(r"(?i)\bBearer\s+(?P<value>[A-Za-z0-9_\-.~+/]{20,}=*)"),  # HTTP bearer header
]

# A long hex or base64-like value after a word such as token, secret or key, for
# example "zabbix_api_token = 3f2a..." or "secret key: c2VjcmV0...". The value must
# be 20 characters or more and mix letters and digits, so that prose like
# "key: primary" does not match.
_KEYWORD_VALUE = re.compile(
    r"(?i)\b[\w.\-]*(?:token|secret|api[_\-]?key|access[_\-]?key|private[_\-]?key|key)\b"
    r"[\"']?(?:\s*[:=]\s*|\s+(?:is\s+)?)[\"']?"
    r"(?P<value>[A-Za-z0-9+/_\-]{20,}={0,2})"
)

# "password = hunter2", "DB_PASSWORD: 's3cret'", "passwd=...". The value is one word
# or a quoted string. References such as ${DB_PASSWORD} or <password> are skipped.
_PASSWORD_LINE = re.compile(
    r"(?i)\b[\w.\-]*(?:password|passwd|passphrase|pwd)[\"']?\s*[:=]\s*"
    r"(?P<value>\"[^\"\n]+\"|'[^'\n]+'|<[^>\n]*>|[^\s\"']+)"
)

# Credentials in a URL: scheme://user:password@host
_URL_PASSWORD = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^/\s:@]+:(?P<value>[^/\s@]+)@")

_PLACEHOLDER = re.compile(r"^(?:\$\{?[\w.\-]+\}?|<[^>]*>|\{\{.*\}\}|%\(?\w+\)?s?|\*+|x+|\.\.\.)$", re.I)


def scan_secrets(text: str) -> SecretScan:
    """Scan ``text`` and return its findings with line numbers and a masked copy."""
    spans = _merge_overlapping(_find_spans(text))
    findings: list[SecretFinding] = []

    for span in spans:
        position = span.start if span.reported_at is None else span.reported_at
        line_number = text.count("\n", 0, position) + 1
        line_start = text.rfind("\n", 0, position) + 1
        masked_line = _masked_line(text, line_start, spans)
        findings.append(SecretFinding(span.kind, line_number, position - line_start + 1, masked_line))

    return SecretScan(findings=findings, masked_text=_apply_masks(text, spans))


def mask_secrets(text: str) -> str:
    """Return ``text`` with every suspected secret replaced by ``MASK``."""
    return scan_secrets(text).masked_text


def describe_findings(findings: list[SecretFinding]) -> str:
    """Return one line per finding, for a warning dialog or a CLI message."""
    return "\n".join(f"line {f.line}: {f.kind}: {f.masked_line.strip()}" for f in findings)


def _find_spans(text: str) -> list[_Span]:
    spans = list(_private_key_spans(text))

    for shape in _TOKEN_SHAPES:
        for match in shape.finditer(text):
            spans.append(_value_span(match, API_TOKEN))

    for match in _KEYWORD_VALUE.finditer(text):
        if _looks_random(match.group("value")):
            spans.append(_value_span(match, API_TOKEN))

    for match in _PASSWORD_LINE.finditer(text):
        value = match.group("value").strip("\"'")
        if value and not _PLACEHOLDER.match(value):
            spans.append(_value_span(match, PASSWORD))

    for match in _URL_PASSWORD.finditer(text):
        if not _PLACEHOLDER.match(match.group("value")):
            spans.append(_value_span(match, URL_PASSWORD))

    return spans


def _private_key_spans(text: str):
    for begin in _PRIVATE_KEY_BEGIN.finditer(text):
        label = begin.group("label")
        end_marker = f"-----END {label}-----"
        end = text.find(end_marker, begin.end())
        body_end = len(text) if end == -1 else end
        body = text[begin.end() : body_end]

        if body.strip() in ("", MASK):
            continue

        # Keep the line break before the END line so the masked text keeps its shape.
        replacement = MASK + "\n" if end != -1 else MASK
        yield _Span(begin.end(), body_end, PRIVATE_KEY, replacement, reported_at=begin.start())


def _value_span(match: re.Match, kind: str) -> _Span:
    group = "value" if "value" in match.re.groupindex else 0
    start, end = match.span(group)
    value = match.group(group)

    # Keep the quotes of a quoted password so the masked line still parses.
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        start, end = start + 1, end - 1

    return _Span(start, end, kind)


def _looks_random(value: str) -> bool:
    """Tell a token from a long word: it needs both letters and digits."""
    has_digit = any(c.isdigit() for c in value)
    has_letter = any(c.isalpha() for c in value)
    return has_digit and has_letter


def _merge_overlapping(spans: list[_Span]) -> list[_Span]:
    """Keep one span per region: the earliest, and the longest when two start together."""
    ordered = sorted(spans, key=lambda s: (s.start, -(s.end - s.start)))
    merged: list[_Span] = []

    for span in ordered:
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            if span.end > last.end:
                merged[-1] = _Span(last.start, span.end, last.kind, last.replacement, last.reported_at)
            continue
        merged.append(span)

    return merged


def _apply_masks(text: str, spans: list[_Span]) -> str:
    pieces: list[str] = []
    position = 0

    for span in spans:
        pieces.append(text[position : span.start])
        pieces.append(span.replacement)
        position = span.end

    pieces.append(text[position:])
    return "".join(pieces)


def _masked_line(text: str, line_start: int, spans: list[_Span]) -> str:
    """Return the line that starts at ``line_start`` with the spans that touch it masked."""
    line_end = text.find("\n", line_start)
    if line_end == -1:
        line_end = len(text)

    clipped = [
        _Span(max(s.start, line_start) - line_start, min(s.end, line_end) - line_start, s.kind, MASK)
        for s in spans
        if s.start < line_end and s.end > line_start
    ]
    return _apply_masks(text[line_start:line_end], clipped)
