"""The local AWS's additions for ``ecsflow bootstrap`` (``ecsflow.sim.provisioning``).

The contract part probes plain moto 5.2.5 in a fresh interpreter (ecsflow's patches are
process-wide): when an upgrade implements these operations or changes the managed
policies, the shim must be revisited. The behaviour part runs through boto3 against the
local AWS.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ecsflow.sim.api import LocalAWS

PROBE = textwrap.dedent(
    """
    import json
    import boto3
    from botocore.exceptions import ClientError
    from moto import mock_aws

    out = {}
    with mock_aws():
        cd = boto3.client("codedeploy", region_name="us-east-1")
        cd.create_application(applicationName="a", computePlatform="ECS")
        for op, kwargs in (
            ("delete_application", {"applicationName": "a"}),
            ("delete_deployment_group", {"applicationName": "a", "deploymentGroupName": "g"}),
        ):
            try:
                getattr(cd, op)(**kwargs)
                out[op] = "ok"
            except NotImplementedError:
                out[op] = "NotImplementedError"
        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")
        try:
            iam.attach_role_policy(RoleName="r", PolicyArn="arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS")
            out["managed_policy"] = "attached"
        except ClientError as exc:
            out["managed_policy"] = exc.response["Error"]["Code"]
        ec2 = boto3.client("ec2", region_name="us-east-1")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=c, AvailabilityZone=z)["Subnet"]["SubnetId"]
            for c, z in (("10.0.1.0/24", "us-east-1a"), ("10.0.2.0/24", "us-east-1b"))
        ]
        elb = boto3.client("elbv2", region_name="us-east-1")
        lb = elb.create_load_balancer(Name="lb", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
        groups = [
            elb.create_target_group(Name=n, Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")["TargetGroups"][0][
                "TargetGroupArn"
            ]
            for n in ("blue", "green")
        ]
        forward = [{"Type": "forward", "TargetGroupArn": groups[0]}]
        listener = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=forward)
        listener = listener["Listeners"][0]["ListenerArn"]
        elb.modify_listener(ListenerArn=listener, DefaultActions=[{"Type": "forward", "TargetGroupArn": groups[1]}])
        green = elb.describe_target_groups(TargetGroupArns=[groups[1]])["TargetGroups"][0]
        out["green_load_balancers_after_modify"] = green["LoadBalancerArns"]
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def moto_says() -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True)
    return dict(json.loads(done.stdout))


def test_moto_lacks_the_codedeploy_deletes(moto_says: dict[str, Any]) -> None:
    # Shim: provisioning.delete_application / delete_deployment_group.
    assert moto_says["delete_application"] == "NotImplementedError"
    assert moto_says["delete_deployment_group"] == "NotImplementedError"


def test_moto_has_no_aws_managed_policies_by_default(moto_says: dict[str, Any]) -> None:
    # Shim: provisioning._patch_iam keeps the ECS/CodeDeploy managed policies present.
    assert moto_says["managed_policy"] == "NoSuchEntity"


def test_moto_keeps_stale_load_balancer_arns(moto_says: dict[str, Any]) -> None:
    # Not shimmed: bootstrap records the load balancer of a target group it creates
    # (``_load_balancers`` in the record) instead of trusting LoadBalancerArns later.
    assert moto_says["green_load_balancers_after_modify"] == []


def test_local_aws_deletes_applications_and_groups(local_aws: LocalAWS) -> None:
    cd = local_aws.client("codedeploy")
    cd.create_application(applicationName="a", computePlatform="ECS")
    cd.create_deployment_group(applicationName="a", deploymentGroupName="g1", serviceRoleArn="arn:aws:iam::1:role/r")
    cd.create_deployment_group(applicationName="a", deploymentGroupName="g2", serviceRoleArn="arn:aws:iam::1:role/r")
    assert cd.delete_deployment_group(applicationName="a", deploymentGroupName="g1")["hooksNotCleanedUp"] == []
    assert cd.list_deployment_groups(applicationName="a")["deploymentGroups"] == ["g2"]
    cd.delete_application(applicationName="a")
    assert cd.list_applications()["applications"] == []
    with pytest.raises(ClientError) as err:
        cd.get_deployment_group(applicationName="a", deploymentGroupName="g2")
    assert err.value.response["Error"]["Code"] == "ApplicationDoesNotExistException"
    with pytest.raises(ClientError) as err:
        cd.delete_deployment_group(applicationName="a", deploymentGroupName="g2")
    assert err.value.response["Error"]["Code"] == "ApplicationDoesNotExistException"


@pytest.mark.parametrize("policy", ["AWSCodeDeployRoleForECS", "AmazonECSInfrastructureRolePolicyForLoadBalancers"])
def test_local_aws_has_the_managed_policies_bootstrap_attaches(local_aws: LocalAWS, policy: str) -> None:
    iam = local_aws.client("iam")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    arn = f"arn:aws:iam::aws:policy/{policy}"
    iam.attach_role_policy(RoleName="r", PolicyArn=arn)
    assert [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName="r")["AttachedPolicies"]] == [arn]
