"""Provider failures leave that stage unknown with the reason; redirects to another host
never carry the token; PR rules (closed → canceled, abandoned is no merge); GitHub and
GitLab from their recorded responses."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from helpers import SPEKTATE
from provider_server import ProviderServer

from gitops_tui.config import parse_config
from gitops_tui.domain import rules
from gitops_tui.enrich.cache import Cache
from gitops_tui.enrich.oneshot import enrich_rows
from gitops_tui.providers import http

API = "/org/proj/_apis"
TOKEN = "CANARY-SECRET-77aa"


def azdo(url: str) -> object:
    text = (f"providers:\n  azure_devops:\n    organization: org\n    project: proj\n    token: {TOKEN}\n"
            f"    url: {url}\n    release_url: {url}\npipelines:\n  image: azure_devops\n  hld: azure_devops\n")
    return parse_config(text, Path("t.yaml"), env={}).providers


ROW = {"PartitionKey": "p", "RowKey": "r1", "p1": "7", "imageTag": "t", "env": "dev", "p2": "9", "pr": "12"}


def enrich(settings, rows, tmp_path):
    out, warnings, requests = asyncio.run(enrich_rows(rows, settings, Cache(tmp_path / "c.json")))
    return rules.build(out)[0][0], out, requests


@pytest.mark.parametrize(("status", "headers", "body", "reason"), [
    (401, {}, b"{}", "HTTP 401 Unauthorized"),
    (403, {}, b"{}", "HTTP 403 Forbidden"),
    (404, {}, b"{}", "HTTP 404 Not Found"),
    (429, {"Retry-After": "0"}, b"{}", "HTTP 429: rate-limited"),
    (500, {}, b"{}", "HTTP 500 Internal Server Error"),
    (502, {}, b"<html>", "HTTP 502 Bad Gateway"),
    (200, {}, b'{"value": [{"id": 7, "sta', "invalid JSON in the response"),
    (200, {}, b"[1, 2]", "unexpected response (no value list)"),
    (200, {}, "RESET", "connection failed"),
    (200, {}, "HANG", "timed out"),
])
def test_a_failure_leaves_the_stage_unknown_with_its_reason(tmp_path, monkeypatch, status, headers, body, reason):
    monkeypatch.setattr(http, "TIMEOUT_S", 0.5)
    with ProviderServer() as server:
        server.routes[f"{API}/build/builds"] = lambda q, h: (status, headers, body)
        server.json(f"{API}/release/deployments", {"value": [
            {"release": {"id": 9}, "deploymentStatus": "succeeded", "startedOn": "2020-01-01T00:00:00Z"}]})
        d, out, _ = enrich(azdo(server.url()), [ROW], tmp_path)
        log = json.dumps(server.requests)
    image, hld = d.stages[0], d.stages[1]
    assert image.status == "unknown" and image.error.startswith(reason) and image.source == "azure_devops"
    assert hld.status == "succeeded" and hld.error is None  # the rest of the row goes on
    assert d.pr_state is None  # its PR was not found: no state is invented
    assert TOKEN not in json.dumps(out) and TOKEN not in (tmp_path / "c.json").read_text()
    assert log.count("/build/builds") <= 3  # at most two retries, never a hammering


def test_a_redirect_to_another_host_does_not_carry_the_token(tmp_path):
    with ProviderServer() as home, ProviderServer() as elsewhere:
        elsewhere.json(f"{API}/build/builds", {"value": []})
        # Another host (localhost ≠ 127.0.0.1): not followed, the token stays home.
        home.routes[f"{API}/build/builds"] = lambda q, h: (
            302, {"Location": elsewhere.url("localhost") + f"{API}/build/builds?buildIds=7"}, b"")
        # The same host: followed, with the token.
        home.routes[f"{API}/release/deployments"] = lambda q, h: (302, {"Location": f"{API}/moved"}, b"")
        home.json(f"{API}/moved", {"value": [{"release": {"id": 9}, "deploymentStatus": "inProgress"}]})
        d, _, _ = enrich(azdo(home.url()), [ROW], tmp_path)
    assert elsewhere.requests == []
    assert d.stages[0].status == "unknown" and "redirected to another host" in d.stages[0].error
    assert d.stages[1].status == "in_progress"
    moved = [h for p, h in home.requests if p.startswith(f"{API}/moved")]
    assert moved and moved[0]["authorization"].startswith("Basic ")


def _pr_row_enriched(tmp_path, pr: dict) -> object:
    with ProviderServer() as server:
        server.json(f"{API}/build/builds", {"value": [
            {"id": 7, "status": "completed", "result": "succeeded"}]})
        server.json(f"{API}/release/deployments", {"value": [
            {"release": {"id": 9}, "deploymentStatus": "succeeded"}]})
        server.json(f"{API}/git/pullrequests/12", pr)
        return enrich(azdo(server.url()), [ROW], tmp_path)[0]


def test_an_abandoned_pr_is_closed_has_no_merger_and_cancels_the_deployment(tmp_path):
    pr = json.loads((SPEKTATE / "azdo-pr-response.json").read_text())
    d = _pr_row_enriched(tmp_path, {**pr, "status": "abandoned"})
    assert (d.pr_state, d.merged_by, d.status) == ("closed", None, "canceled")


def test_a_completed_pr_is_merged_by_who_closed_it(tmp_path):
    pr = json.loads((SPEKTATE / "azdo-pr-response.json").read_text())
    d = _pr_row_enriched(tmp_path, pr)
    assert (d.pr_state, d.merged_by, d.pr_title) == ("merged", "Samiya Akhtar", pr["title"])
    assert d.status == "waiting"  # stages 1 and 2 done, the manifest stage not started


def test_github_and_gitlab_from_their_recorded_responses(tmp_path):
    gh_job = json.loads((SPEKTATE / "gh-actions-1115488431.json").read_text())
    gh_pr = json.loads((SPEKTATE / "github-pr-response.json").read_text())
    gh_author = json.loads((SPEKTATE / "github-author-response.json").read_text())
    gl_pipe = json.loads((SPEKTATE / "gitlab-pipeline-1.json").read_text())
    gl_mr = json.loads((SPEKTATE / "gitlab-pr-response.json").read_text())
    with ProviderServer() as gh, ProviderServer() as gl:
        gh.json("/repos/o/app/actions/jobs/1115488431", gh_job)
        gh.json("/repos/o/hld/pulls/408", gh_pr)
        gh.json("/repos/o/app/commits/f19cb81", gh_author)
        gl.json("/api/v4/projects/g%2Fhld/pipelines/208859532", gl_pipe)
        gl.json("/api/v4/projects/g%2Fhld/merge_requests/5", gl_mr)
        text = (f"providers:\n  github:\n    token: {TOKEN}\n    url: {gh.url()}\n"
                f"  gitlab:\n    token: other\n    url: {gl.url('localhost')}\n"
                "pipelines:\n  image: github\n  hld: github\n  manifest: gitlab\n")
        settings = parse_config(text, Path("t.yaml"), env={}).providers
        gh_row = {"PartitionKey": "p", "RowKey": "a", "p1": "1115488431", "commitId": "f19cb81",
                  "sourceRepo": "https://github.com/o/app", "hldRepo": "https://github.com/o/hld", "pr": "408"}
        gl_row = {"PartitionKey": "p", "RowKey": "b", "p3": "208859532", "hldCommitId": "abc",
                  "hldRepo": "https://gitlab.example/g/hld.git"}
        d_gh, out, _ = enrich(settings, [gh_row], tmp_path)
        d_gl = enrich(settings, [gl_row], tmp_path)[0]
        gh_auth = {h.get("authorization") for _, h in gh.requests}
        gl_tokens = {h.get("private-token") for _, h in gl.requests}
    assert (d_gh.stages[0].status, d_gh.stages[0].source, d_gh.stages[0].url) == (
        "succeeded", "github", gh_job["html_url"])
    assert (d_gh.author, d_gh.pr_state, d_gh.merged_by) == ("Edaena Salinas", "merged", gh_pr["merged_by"]["login"])
    assert (d_gl.stages[0].status, d_gl.stages[0].source) == ("succeeded", "gitlab")
    assert gh_auth == {f"Bearer {TOKEN}"} and gl_tokens == {"other"}  # each token to its own host


def test_a_long_retry_after_gives_up_and_the_status_says_until_when(tmp_path):
    from gitops_tui.enrich.enricher import Enricher

    with ProviderServer() as server:
        server.json(f"{API}/build/builds", {}, status=429, headers={"Retry-After": "600"})
        server.json(f"{API}/release/deployments", {}, status=403, headers={"X-RateLimit-Remaining": "0",
                                                                         "Retry-After": "900"})
        enricher = Enricher(azdo(server.url()), Cache(tmp_path / "c.json"))
        facts = asyncio.run(enricher.facts([ROW]))[("p", "r1")]
        asked = [p.split("?")[0] for p, _ in server.requests]
        # Now the host said to wait: nothing more is sent to it until then.
        again = asyncio.run(enricher.facts([{**ROW, "RowKey": "r2", "p1": "8"}]))[("p", "r2")]
        assert len(server.requests) == len(asked)
    assert facts["p1Error"] == "HTTP 429: rate-limited" and facts["p2Error"] == "HTTP 403: rate-limited"
    assert len(asked) == len(set(asked)) == 3  # each asked once: a wait beyond a minute is not waited
    assert again["p1Error"].startswith("rate-limited")
    assert enricher.progress().startswith("rate-limited until ")


async def test_conditional_requests_send_the_etag_back():
    with ProviderServer() as server:
        def etagged(q, h):
            if h.get("if-none-match") == '"v1"':
                return 304, {"ETag": '"v1"'}, b""
            return 200, {"ETag": '"v1"'}, {"value": [1]}
        server.routes["/x"] = etagged
        client = http.HostClient(server.url(), {}, 2, http.Stats())
        first = await client.get_json(server.url() + "/x")
        second = await client.get_json(server.url() + "/x")
        await client.aclose()
    assert first == second == {"value": [1]}
    assert [h.get("if-none-match") for _, h in server.requests] == [None, '"v1"']
