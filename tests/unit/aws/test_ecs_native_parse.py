"""Parsing of service deployments and the listener of a test listener rule (ecsflow.aws.ecs_native)."""

from __future__ import annotations

from datetime import UTC, datetime

from ecsflow.aws.ecs_native import listener_of, native_deployment, native_service
from ecsflow.lifecycle import GATE_MARKER

ELB = "arn:aws:elasticloadbalancing:us-east-1:123456789012"
RULE = f"{ELB}:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"


def test_listener_of_a_rule_and_of_a_listener() -> None:
    assert listener_of(RULE) == (
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"
    )
    nlb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/net/web/50dc6c495c0c9188/f2f7dc8efc522ab2"
    assert listener_of(nlb) == nlb
    assert listener_of("arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/1") is None


def test_native_deployment_reads_stage_weights_hooks_and_settings() -> None:
    d = native_deployment(
        {
            "serviceDeploymentArn": "arn:sd",
            "status": "IN_PROGRESS",
            "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT",
            "createdAt": datetime(2026, 1, 1, tzinfo=UTC),
            "targetServiceRevision": {
                "arn": "arn:rev",
                "requestedTaskCount": 2,
                "runningTaskCount": 2,
                "requestedProductionTrafficWeight": 0.0,
                "requestedTestTrafficWeight": 100.0,
            },
            "deploymentConfiguration": {
                "strategy": "CANARY",
                "bakeTimeInMinutes": 15,
                "canaryConfiguration": {"canaryPercent": 20.0, "canaryBakeTimeInMinutes": 3},
                "lifecycleHooks": [
                    {
                        "targetType": "PAUSE",
                        "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
                        "hookDetails": {GATE_MARKER: True},
                    }
                ],
            },
            "lifecycleHookDetails": [
                {"hookId": "h1", "targetType": "PAUSE", "status": "AWAITING_ACTION", "timeoutAction": "ROLLBACK"}
            ],
        }
    )
    assert (d.lifecycle_stage, d.production_weight, d.test_weight, d.running) == (
        "POST_TEST_TRAFFIC_SHIFT",
        0.0,
        100.0,
        2,
    )
    assert d.settings.strategy == "CANARY" and d.settings.canary_percent == 20.0 and d.settings.bake_minutes == 15
    assert d.settings.hooks[0].gate
    [hook] = d.awaiting()
    assert (hook.hook_id, hook.stage) == ("h1", "POST_TEST_TRAFFIC_SHIFT")
    assert d.created_at == datetime(2026, 1, 1, tzinfo=UTC).timestamp()


def test_native_service_reads_the_advanced_configuration() -> None:
    svc = native_service(
        {
            "deploymentController": {"type": "ECS"},
            "deploymentConfiguration": {"strategy": "ROLLING"},
            "loadBalancers": [
                {
                    "targetGroupArn": "tg-1",
                    "advancedConfiguration": {
                        "alternateTargetGroupArn": "tg-2",
                        "productionListenerRule": "rule-p",
                        "roleArn": "role",
                    },
                }
            ],
        }
    )
    [lb] = svc.listeners
    assert (lb.target_group_arn, lb.alternate_target_group_arn, lb.test_listener_rule) == ("tg-1", "tg-2", None)
    assert svc.settings.strategy == "ROLLING" and svc.raw_configuration == {"strategy": "ROLLING"}
