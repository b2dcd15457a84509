"""Every real runbook in the corpus parses, and step counts match the files.

The expected counts were read from the files by hand: for example gitlab__cmoc.md has
nine "- [ ]" items under "Declaring an Incident", and the block-public-ip runbook has
six numbered items, a fence, then one more item numbered "4.".
"""

from pathlib import Path

import pytest

from opstui.kb.document import load_document
from opstui.kb.sections import split_sections
from opstui.kb.steps import NoStepsError, extract_steps

EXPECTED_STEP_COUNTS = {
    "gitlab__cmoc.md": 9,
    "gitlab__postgresql-role-credential-rotation.md": 47,
    "gitlab__k8s-cluster-upgrade.md": 6,
    "moj-cloud-platform__auth0-rotation.html.md.erb": 4,
    "moj-cloud-platform__block-public-ip-address.html.md.erb": 7,
    "openshift__CephXattrSetLatency.md": 13,
    "govuk__signon-api-user-token-expires-soon.html.md": 10,
}

WITHOUT_STEPS = {
    "prometheus-operator__etcdBackendQuotaLowSpace.md",
    "skeltonthatcher__run-book-template.md",
}


def runbook_paths(corpus_dir: Path) -> list[Path]:
    paths = sorted((corpus_dir / "runbooks").iterdir())
    assert paths, "the corpus runbooks folder is empty"
    return paths


def test_every_runbook_parses(corpus_dir: Path):
    for path in runbook_paths(corpus_dir):
        document = load_document(path)

        assert document.title, path.name
        assert "<%" not in document.title, path.name
        assert split_sections(document.body), path.name


def test_every_runbook_yields_steps_or_clear_error(corpus_dir: Path):
    for path in runbook_paths(corpus_dir):
        document = load_document(path)

        if path.name in WITHOUT_STEPS:
            with pytest.raises(NoStepsError, match=path.name):
                extract_steps(document.body, source=path.name)
            continue

        steps = extract_steps(document.body, source=path.name)
        assert steps, path.name
        assert [s.number for s in steps] == list(range(1, len(steps) + 1)), path.name
        assert all(s.text.strip() for s in steps), path.name
        assert [s.line for s in steps] == sorted(s.line for s in steps), path.name


@pytest.mark.parametrize("name, count", sorted(EXPECTED_STEP_COUNTS.items()))
def test_runbook_step_count(corpus_dir: Path, name: str, count: int):
    document = load_document(corpus_dir / "runbooks" / name)

    assert len(extract_steps(document.body, source=name)) == count


def test_credential_rotation_steps_carry_commands(corpus_dir: Path):
    path = corpus_dir / "runbooks" / "gitlab__postgresql-role-credential-rotation.md"
    steps = extract_steps(load_document(path).body)

    assert steps[0].text.startswith("Specify the environment")
    assert steps[0].commands and steps[0].commands[0].language == "bash"
    assert steps[29].section == "Phase two"
    assert sum(1 for s in steps if s.commands) >= 30


def test_ceph_step_headings_lose_their_prefix(corpus_dir: Path):
    path = corpus_dir / "runbooks" / "openshift__CephXattrSetLatency.md"
    steps = extract_steps(load_document(path).body)

    assert steps[0].text == "Check MDS Status and Health"
    assert steps[0].section == "Diagnosis"
    assert len(steps[0].commands) == 2
    assert steps[6].section == "Recommended Actions"


def test_gitaly_unindented_fence_joins_first_step(corpus_dir: Path):
    path = corpus_dir / "runbooks" / "gitlab__gitaly-token-rotation.md"
    steps = extract_steps(load_document(path).body)

    assert steps[0].commands[0].language == "json"
    assert "auth_transitioning" in steps[0].commands[0].code


def test_patroni_duplicate_headings_have_distinct_anchors(corpus_dir: Path):
    path = corpus_dir / "runbooks" / "gitlab__patroni-management.md"
    sections = split_sections(load_document(path).body)
    anchors = [s.anchor for s in sections]

    assert len(anchors) == len(set(anchors))
    assert "restarting-a-node-1" in anchors
    assert not any(s.title.startswith("Change relevant MRs") and s.level == 1 for s in sections[:3])


def test_front_matter_titles_are_used(corpus_dir: Path):
    path = corpus_dir / "runbooks" / "moj-cloud-platform__auth0-rotation.html.md.erb"
    document = load_document(path)

    assert document.title == "Credentials rotation for auth0 apps"
    assert document.front_matter["review_in"] == "6 months"
    assert document.body_line_offset == 6
