"""`preflight audit` whose report cannot be written exits 2, never 0 (issue 10, finding 3)."""
from __future__ import annotations

import pytest

from tests.cli.test_output_errors import assert_output_error, run_with_stdout


@pytest.mark.parametrize("mode", ["broken-pipe", "closed", "full"])
def test_audit_report_not_delivered_exits_2(moto, mode):
    result = run_with_stdout(mode, ["audit", "--fail-on", "critical", "--format", "json"], timeout=180,
                             env=moto.env())
    assert_output_error(result)
