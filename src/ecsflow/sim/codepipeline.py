"""CodePipeline job results, so a job worker or an invoke handler can be tested.

moto 5.2.5 has no ``PutJobSuccessResult`` / ``PutJobFailureResult`` (pinned by
``tests/sim/contracts/test_moto_codepipeline.py``). The simulator adds both and
records every result in ``SimContext.job_results`` (served by
``/_ecsflow/job-results``).

moto never creates jobs (actions do not run). A test can make one known with
``LocalAWS.add_job`` / ``POST /_ecsflow/jobs``; ``GetJobDetails`` then answers its
``data`` and an unknown id gets ``JobNotFoundException``, as AWS documents. Results
are accepted for any job id, known or not, so a handler can be tested from nothing
but the event CodePipeline would send. Once a job
has a final result (a failure, or a success without ``continuationToken``) another
result is refused with ``InvalidJobStateException``; a success *with* a continuation
token keeps the job open, as the API reference describes for long-running actions.
This refusal is assumed, not documented in detail by AWS.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.exceptions import ServiceException

from ecsflow.sim.context import SimContext


class InvalidJobStateException(ServiceException):
    code = "InvalidJobStateException"


class ValidationException(ServiceException):
    code = "ValidationException"


class JobNotFoundException(ServiceException):
    code = "JobNotFoundException"


def install(ctx: SimContext) -> None:
    from moto.codepipeline.responses import CodePipelineResponse

    def record(response: Any, result: str) -> str:
        job_id = response._get_param("jobId")
        if not job_id:
            raise ValidationException("1 validation error detected: Value null at 'jobId' failed to satisfy constraint")
        with ctx.lock:
            for earlier in ctx.job_results:
                if earlier["jobId"] == job_id and earlier["final"]:
                    raise InvalidJobStateException(
                        f"Job {job_id} is in state {earlier['result']} and cannot accept another result"
                    )
            entry: dict[str, Any] = {"jobId": job_id, "result": result, "at": ctx.clock.now()}
            for key in (
                "currentRevision",
                "continuationToken",
                "executionDetails",
                "outputVariables",
                "failureDetails",
            ):
                value = response._get_param(key)
                if value is not None:
                    entry[key] = value
            entry["final"] = result == "Failed" or "continuationToken" not in entry
            ctx.job_results.append(entry)
        return json.dumps({})

    def get_job_details(self: Any) -> str:
        job_id = self._get_param("jobId")
        with ctx.lock:
            data = ctx.pipeline_jobs.get(job_id)
        if data is None:
            raise JobNotFoundException(f"The job {job_id} was not found")
        return json.dumps({"jobDetails": {"id": job_id, "data": data, "accountId": ctx.account_id}})

    def put_job_success_result(self: Any) -> str:
        return record(self, "Succeeded")

    def put_job_failure_result(self: Any) -> str:
        return record(self, "Failed")

    # moto dispatches an action to the response method of the same snake_case name.
    setattr(CodePipelineResponse, "put_job_success_result", put_job_success_result)  # noqa: B010
    setattr(CodePipelineResponse, "put_job_failure_result", put_job_failure_result)  # noqa: B010
    setattr(CodePipelineResponse, "get_job_details", get_job_details)  # noqa: B010
