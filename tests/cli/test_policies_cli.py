"""`preflight policies` as a user runs it."""
import json

from tests.cli.test_check_cli import preflight


def test_json_lists_every_policy_with_metadata():
    proc = preflight("policies", "--format", "json")
    assert proc.returncode == 0
    doc = json.loads(proc.stdout)
    assert doc["count"] == len(doc["policies"]) >= 11
    p = next(p for p in doc["policies"] if p["name"] == "prod-data-stores-protected")
    assert p["type"] == "stack" and p["levels"] == {"prod": "mandatory", "staging": "advisory", "dev": "advisory"}


def test_table_and_markdown():
    table = preflight("policies")
    assert table.returncode == 0 and "rds-storage-encrypted" in table.stdout
    md = preflight("policies", "--format", "md")
    assert "#### rds-storage-encrypted" in md.stdout and "| Policy |" in md.stdout


def test_update_readme(tmp_path):
    readme = tmp_path / "README.md"
    from preflight.policies import BEGIN, END
    readme.write_text(f"# x\n{BEGIN}\nstale-catalog-placeholder\n{END}\ntail\n")
    proc = preflight("policies", "--format", "md", "--update", str(readme))
    assert proc.returncode == 0 and "updated" in proc.stdout
    text = readme.read_text()
    assert "stale-catalog-placeholder" not in text and "#### rds-storage-encrypted" in text and text.endswith("tail\n")
    again = preflight("policies", "--format", "md", "--update", str(readme))
    assert "already up to date" in again.stdout


def test_update_needs_markers_and_md(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n")
    proc = preflight("policies", "--format", "md", "--update", str(readme))
    assert proc.returncode == 2 and "no generated-section markers" in proc.stderr
    proc = preflight("policies", "--update", str(readme))
    assert proc.returncode == 2 and "--format md" in proc.stderr


def test_checklist_view_lists_policies_audit_checks_and_components():
    proc = preflight("policies", "--checklist", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    items = {i["id"]: i for i in json.loads(proc.stdout)["checklist"]}
    assert len(items) == 18
    assert "rds-storage-encrypted" in items["security.encryption"]["policies"]
    assert "rds-storage-encrypted" in items["security.encryption"]["audit"]
    assert "CanaryDeployment" in items["infra.rollback"]["components"]
    both = preflight("policies", "--checklist", "--framework", "cis")
    assert both.returncode == 2 and "two different views" in both.stderr
