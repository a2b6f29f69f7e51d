"""What ``ecsflow bootstrap`` needs from the local AWS beyond moto 5.2.5.

* CodeDeploy ``DeleteApplication`` and ``DeleteDeploymentGroup``: moto lacks both
  (``NotImplementedError``, HTTP 500 over the wire). Deleting an application deletes its
  deployment groups (documented by AWS: API reference ``DeleteApplication``). Deleting a
  deployment group answers ``hooksNotCleanedUp: []`` (documented); deleting one that does
  not exist succeeds (*assumed*: the API reference lists no "does not exist" error).
* The AWS managed policies an ECS provisioning run attaches exist in every AWS account.
  moto loads its ~1,000 managed policies only with ``iam.load_aws_managed_policies`` (off:
  it costs time on every reset); here the few that ECS and CodeDeploy roles use are always
  present, with moto's own copies of their documents.

``tests/sim/test_provisioning_contract.py`` pins what moto does without this module.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.responses import ActionResult

from ecsflow.sim.context import SimContext

ALWAYS_PRESENT_POLICIES = (
    "AWSCodeDeployRoleForECS",
    "AmazonECSInfrastructureRolePolicyForLoadBalancers",
    "AmazonECSTaskExecutionRolePolicy",
)


def delete_application(self: Any) -> ActionResult:
    backend = self.codedeploy_backend
    name = self._get_param("applicationName")
    backend.applications.pop(name, None)  # AWS answers success for a missing application too
    backend.deployment_groups.pop(name, None)
    return ActionResult({})


def delete_deployment_group(self: Any) -> ActionResult:
    backend = self.codedeploy_backend
    app = self._get_param("applicationName")
    backend.get_application(app)  # ApplicationDoesNotExistException, as moto's other calls
    backend.deployment_groups.get(app, {}).pop(self._get_param("deploymentGroupName"), None)
    return ActionResult({"hooksNotCleanedUp": []})


def _patch_codedeploy() -> None:
    from moto.codedeploy import responses

    cls: Any = responses.CodeDeployResponse
    if getattr(cls, "_ecsflow_provisioning", False):
        return
    cls.delete_application = delete_application
    cls.delete_deployment_group = delete_deployment_group
    cls._ecsflow_provisioning = True


def _patch_iam() -> None:
    from moto.iam import models
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    cls: Any = models.IAMBackend
    if getattr(cls, "_ecsflow_provisioning", False):
        return
    original = cls._init_aws_policies
    data = json.loads(aws_managed_policies_data)
    wanted = {name: data[name] for name in ALWAYS_PRESENT_POLICIES if name in data}

    def init_aws_policies(self: Any) -> list[Any]:
        from moto.moto_api._internal import mock_random

        policies: list[Any] = original(self)
        have = {p.name for p in policies}
        # Policy ids come from moto's seeded generator, and IAM's backend is built lazily: the
        # first run after a seed would draw ids that a later run (backend already there) does
        # not, shifting every id after it. Leave the generator as it was, so `reset(seed=N)`
        # repeats byte for byte (tests/sim/codedeploy/test_cd_api_http.py).
        state = mock_random.getstate()
        try:
            for name, doc in wanted.items():
                if name not in have:
                    policies.append(models.AWSManagedPolicy.from_data(name, self.account_id, self.region_name, doc))
        finally:
            mock_random.setstate(state)
        return policies

    cls._init_aws_policies = init_aws_policies
    cls._ecsflow_provisioning = True


def install(ctx: SimContext) -> None:
    """Add the operations and managed policies above. Idempotent per process."""
    _patch_codedeploy()
    _patch_iam()
