"""CodePipeline job results recorded so a job worker / invoke handler can be tested."""

from __future__ import annotations

import json
import urllib.request

import pytest
from botocore.exceptions import ClientError

from ecsflow.sim.api import LocalAWS


def test_success_and_failure_results_are_recorded(local_aws: LocalAWS) -> None:
    cp = local_aws.client("codepipeline")
    cp.put_job_success_result(jobId="job-1", outputVariables={"digest": "sha256:abc"})
    cp.put_job_failure_result(jobId="job-2", failureDetails={"type": "JobFailed", "message": "deployment rolled back"})
    results = local_aws.job_results()
    assert [(r["jobId"], r["result"]) for r in results] == [("job-1", "Succeeded"), ("job-2", "Failed")]
    assert results[0]["outputVariables"] == {"digest": "sha256:abc"}
    assert results[1]["failureDetails"]["message"] == "deployment rolled back"
    with urllib.request.urlopen(f"{local_aws.endpoint_url}/_ecsflow/job-results", timeout=10) as resp:
        served = json.loads(resp.read())["jobResults"]
    assert [r["jobId"] for r in served] == ["job-1", "job-2"]


def test_continuation_keeps_the_job_open_and_a_final_result_closes_it(local_aws: LocalAWS) -> None:
    cp = local_aws.client("codepipeline")
    cp.put_job_success_result(jobId="job-1", continuationToken="wait-1")
    cp.put_job_success_result(jobId="job-1")
    with pytest.raises(ClientError) as caught:
        cp.put_job_failure_result(jobId="job-1", failureDetails={"type": "JobFailed", "message": "late"})
    assert caught.value.response["Error"]["Code"] == "InvalidJobStateException"
    assert [r["final"] for r in local_aws.job_results()] == [False, True]


def test_reset_forgets_job_results(local_aws: LocalAWS) -> None:
    local_aws.client("codepipeline").put_job_success_result(jobId="job-1")
    local_aws.reset()
    assert local_aws.job_results() == []


def test_get_job_details_answers_a_known_job(local_aws: LocalAWS) -> None:
    data = {
        "actionTypeId": {"category": "Invoke", "owner": "AWS", "provider": "Lambda", "version": "1"},
        "actionConfiguration": {"configuration": {"UserParameters": "web"}},
    }
    local_aws.add_job("job-7", data)
    cp = local_aws.client("codepipeline")
    details = cp.get_job_details(jobId="job-7")["jobDetails"]
    assert details["id"] == "job-7"
    assert details["accountId"] == "123456789012"
    assert details["data"]["actionConfiguration"]["configuration"] == {"UserParameters": "web"}
    with pytest.raises(ClientError) as caught:
        cp.get_job_details(jobId="unknown")
    assert caught.value.response["Error"]["Code"] == "JobNotFoundException"


def test_jobs_can_be_added_through_the_control_plane(local_aws: LocalAWS) -> None:
    request = urllib.request.Request(
        f"{local_aws.endpoint_url}/_ecsflow/jobs",
        data=json.dumps({"jobId": "job-8", "data": {"continuationToken": "t"}}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert json.loads(resp.read())["jobId"] == "job-8"
    details = local_aws.client("codepipeline").get_job_details(jobId="job-8")["jobDetails"]
    assert details["data"] == {"continuationToken": "t"}
    local_aws.reset()
    with pytest.raises(ClientError):
        local_aws.client("codepipeline").get_job_details(jobId="job-8")
