"""``ecsflow iam-policy``: golden policies per use, AWS's resource-type rules, and bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from parliament import analyze_policy_string
from synth_golden import PROJECT, check_golden

from ecsflow.config import load_config
from ecsflow.errors import ConfigError, ExitCode
from ecsflow.factory import template_loader
from ecsflow.synth.iam import Use, policy_for
from ecsflow.synth.targets import Scope, collect_targets

ACCOUNT = "123456789012"
CONFIG = str(PROJECT / "ecsflow.yml")

# Findings of parliament (whose IAM database predates these AWS changes) that are expected:
# * ecs:StopServiceDeployment and ContinueServiceDeployment (2025) are not in its database yet;
# * ecs:ListTasks takes "*" scoped by the ecs:cluster condition, the form AWS's ECS docs use.
EXPECTED_FINDINGS = {
    ("UNKNOWN_ACTION", "Unknown action ecs:StopServiceDeployment"),
    ("UNKNOWN_ACTION", "Unknown action ecs:ContinueServiceDeployment"),
    ("RESOURCE_STAR", "['ecs:ListTasks']"),
}


def _policy(use: Use, *keys: str, account: str | None = ACCOUNT, env: str | None = None) -> dict[str, Any]:
    config = load_config(CONFIG).for_environment(env)
    targets = collect_targets(config, list(keys), template_loader(config), Scope(account=account, environment={}))
    return policy_for(use, targets)


def _statement(policy: dict[str, Any], sid: str) -> dict[str, Any]:
    found = [s for s in policy["Statement"] if s["Sid"] == sid]
    assert len(found) == 1, f"no statement {sid}: {[s['Sid'] for s in policy['Statement']]}"
    return found[0]


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


@pytest.mark.parametrize("use", list(Use))
def test_policy_matches_golden_file(use: Use, run_cli: Any) -> None:
    code, out, err = run_cli("-c", CONFIG, "iam-policy", "--for", use.value, "--account", ACCOUNT)
    assert code == ExitCode.OK, err
    assert err == ""  # nothing left as a placeholder
    check_golden(f"iam-{use.value}.json", out)


def test_placeholders_when_account_is_unknown(run_cli: Any) -> None:
    code, out, err = run_cli("-c", CONFIG, "iam-policy", "--env", "prod")
    assert code == ExitCode.OK, err
    check_golden("iam-deploy-prod-placeholders.json", out)
    assert "${AWS::AccountId}" in out and "${AWS::AccountId} left as a placeholder" in err
    assert ":service/prod/api" in out  # the environment's cluster


@pytest.mark.parametrize("use", list(Use))
def test_policy_follows_aws_resource_types(use: Use) -> None:
    """Every action is scoped to the resource types AWS's Service Authorization Reference lists."""
    analysis = analyze_policy_string(json.dumps(_policy(use)))
    findings = {(f.issue, str(f.detail)) for f in analysis.findings if not _network_load_balancer_only(f)}
    assert findings <= EXPECTED_FINDINGS


def _network_load_balancer_only(finding: Any) -> bool:
    """parliament marks both listener/app and listener/net of ELBv2 actions as required; a
    listener is one or the other, and ecsflow's are on Application Load Balancers."""
    return finding.issue == "RESOURCE_MISMATCH" and all("/net/" in d["required_format"] for d in finding.detail)


def test_pass_role_only_the_templates_roles_only_to_ecs_tasks() -> None:
    statement = _statement(_policy(Use.DEPLOY), "PassTaskAndExecutionRolesToEcsTasksOnly")
    assert statement["Action"] == ["iam:PassRole"]
    assert _as_list(statement["Resource"]) == [
        f"arn:aws:iam::{ACCOUNT}:role/api-task",
        f"arn:aws:iam::{ACCOUNT}:role/ecs-task-execution",
    ]
    assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}


def test_roles_are_read_after_interpolation() -> None:
    config = load_config(CONFIG)
    other = f"arn:aws:iam::{ACCOUNT}:role/worker-exec"
    scope = Scope(account=ACCOUNT, environment={"EXECUTION_ROLE_ARN": other})
    targets = collect_targets(config, ["worker"], template_loader(config), scope)
    statement = _statement(policy_for(Use.DEPLOY, targets), "PassTaskAndExecutionRolesToEcsTasksOnly")
    assert statement["Resource"] == other


def test_one_service_is_scoped_to_that_service_only() -> None:
    text = json.dumps(_policy(Use.DEPLOY, "worker"))
    assert "service/main/worker-svc" in text and "task-definition/worker:*" in text
    assert "/api" not in text and "api-task" not in text


def test_read_only_use_has_no_mutating_action() -> None:
    actions = {a for s in _policy(Use.LOCAL_DEV)["Statement"] for a in _as_list(s["Action"])}
    mutating = ("Register", "Update", "Deregister", "Stop", "Put", "Create", "Delete", "Tag", "PassRole")
    # By the verb the operation starts with: ecr:ListTagsForResource reads tags.
    assert actions and not [a for a in actions if a.split(":", 1)[1].startswith(mutating)]


def test_unknown_service_is_refused_naming_it(run_cli: Any) -> None:
    code, out, err = run_cli("-c", CONFIG, "iam-policy", "nope")
    assert code == ExitCode.INVALID
    assert out == "" and "services.nope: no such service (known: api, web, worker)" in err


def test_unreadable_template_is_refused(tmp_path: Path, run_cli: Any) -> None:
    shutil.copytree(PROJECT, tmp_path / "p")
    (tmp_path / "p" / "taskdefs" / "api.json").unlink()
    code, _, err = run_cli("-c", str(tmp_path / "p" / "ecsflow.yml"), "iam-policy")
    assert code == ExitCode.INVALID
    assert "services.api.task_definition" in err and "Traceback" not in err


def test_bad_account_is_refused(run_cli: Any) -> None:
    code, out, err = run_cli("-c", CONFIG, "iam-policy", "--account", "12")
    assert code == ExitCode.INVALID and out == ""
    assert "--account '12' is not an AWS account id" in err


def test_cluster_arn_gives_region_and_account(tmp_path: Path) -> None:
    shutil.copytree(PROJECT, tmp_path / "p")
    path = tmp_path / "p" / "ecsflow.yml"
    path.write_text(
        path.read_text().replace("  cluster: main", "  cluster: arn:aws:ecs:us-west-2:210987654321:cluster/edge")
    )
    config = load_config(path)
    targets = collect_targets(config, ["api"], template_loader(config), Scope(environment={}))
    services = _statement(policy_for(Use.DEPLOY, targets), "EcsServices")
    assert services["Resource"] == "arn:aws:ecs:us-west-2:210987654321:service/edge/api"


def test_family_must_be_known(tmp_path: Path) -> None:
    (tmp_path / "ecsflow.yml").write_text("services:\n  api: {base: service}\n")
    config = load_config(tmp_path / "ecsflow.yml")
    with pytest.raises(ConfigError) as info:
        collect_targets(config, [], template_loader(config), Scope())
    assert "services.api: the task definition family is unknown" in "\n".join(info.value.details())


def test_several_environments_make_one_policy(run_cli: Any) -> None:
    code, out, err = run_cli("-c", CONFIG, "iam-policy", "--env", "test", "--env", "prod", "--account", ACCOUNT)
    assert code == ExitCode.OK, err
    services = _statement(json.loads(out), "EcsServices")["Resource"]
    assert {f"arn:aws:ecs:eu-west-1:{ACCOUNT}:service/{c}/api" for c in ("test", "prod")} <= set(services)
    assert not [s for s in services if "/main/" in s]  # the default cluster is replaced in both


def test_pipeline_policy_reads_the_buildspecs_parameters(run_cli: Any) -> None:
    code, out, err = run_cli("-c", CONFIG, "iam-policy", "--for", "pipeline", "--account", ACCOUNT)
    assert code == ExitCode.OK, err
    statement = _statement(json.loads(out), "BuildspecParameterStore")
    assert statement["Resource"] == f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/ci/npm-token"
