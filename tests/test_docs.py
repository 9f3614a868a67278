"""The docs stand alone: every relative link resolves inside the repository, nothing points outside it."""
import os
import re

import pytest

from tests.conftest import ROOT

sys_path_pack = os.path.join(ROOT, "policypack")


def _docs():
    files = [os.path.join(ROOT, f) for f in ("README.md", "CONTRIBUTING.md", "CHANGELOG.md")]
    files += [os.path.join(ROOT, "docs", f) for f in os.listdir(os.path.join(ROOT, "docs")) if f.endswith(".md")]
    return files


def _read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


@pytest.mark.parametrize("path", _docs(), ids=os.path.basename)
def test_relative_links_resolve(path):
    text = _read(path)
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if re.match(r"^[a-z]+:", target):
            continue
        resolved = os.path.normpath(os.path.join(os.path.dirname(path), target))
        assert resolved.startswith(ROOT + os.sep) and os.path.exists(resolved), (
            f"{os.path.relpath(path, ROOT)} links to {target}, which does not exist in the repository")
    assert "../shared" not in text and "/work/shared" not in text


def test_readme_first_two_code_blocks_are_the_setup_and_test_commands():
    blocks = re.findall(r"```bash\n(.*?)```", _read(os.path.join(ROOT, "README.md")), re.S)
    assert blocks[0].strip() == ("python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && "
                                 ".venv/bin/preflight check --stack prod")
    assert blocks[1].strip() == ".venv/bin/python -m pytest -q"


def test_every_checklist_id_is_explained():
    import sys
    sys.path.insert(0, sys_path_pack)
    from preflight_policies.model import CHECKLIST_IDS
    text = _read(os.path.join(ROOT, "docs", "checklist.md"))
    explained = re.findall(r"^\| `([a-z.-]+)` \| [^|]+ \| (.{40,}) \|$", text, re.M)
    assert sorted(i for i, _ in explained) == sorted(CHECKLIST_IDS)


def test_policy_urls_resolve_to_the_reference():
    """Each policy's url is docs/policies.md#name and the page has that heading (GitHub's anchor)."""
    from preflight.policies import load_catalog
    headings = set(re.findall(r"^#### ([a-z0-9-]+)$", _read(os.path.join(ROOT, "docs", "policies.md")), re.M))
    catalog = load_catalog(sys_path_pack)
    for p in catalog:
        path, _, anchor = p["url"].partition("#")
        assert os.path.exists(os.path.join(ROOT, path)) and anchor in headings, p["url"]


def test_checklist_coverage_is_generated_and_current():
    from preflight import checklist_doc
    from preflight.policies import CHECKLIST_BEGIN, CHECKLIST_END, load_catalog
    text = _read(os.path.join(ROOT, "docs", "checklist.md"))
    start, end = text.index(CHECKLIST_BEGIN) + len(CHECKLIST_BEGIN) + 1, text.index(CHECKLIST_END)
    items = checklist_doc.coverage(load_catalog(sys_path_pack))
    assert text[start:end] == checklist_doc.as_markdown(items), (
        "docs/checklist.md is stale: run `preflight policies --checklist --format md --update docs/checklist.md`")
    # Every item is served by something that runs before deployment or builds it.
    for item in items:
        assert item["policies"] or item["components"], item["id"]


def test_every_component_declares_the_checklist_items_it_builds():
    import inspect

    import pulumi

    import components
    from preflight.audit.checklist import CHECKLIST
    classes = [getattr(components, n) for n in components.__all__]
    classes = [c for c in classes if inspect.isclass(c) and issubclass(c, pulumi.ComponentResource)]
    assert len(classes) >= 15
    for cls in classes:
        ids = cls.__dict__.get("CHECKLIST")
        assert isinstance(ids, tuple) and ids, f"components.{cls.__name__} declares no CHECKLIST"
        assert set(ids) <= set(CHECKLIST), (cls.__name__, sorted(set(ids) - set(CHECKLIST)))
        assert len(set(ids)) == len(ids), cls.__name__
