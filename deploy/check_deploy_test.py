#!/usr/bin/env python3
"""deploy/check_deploy.py catches what it promises to catch.

Usage: check_deploy_test.py --repo DIR --bin NAME=PATH ... [unittest options]

Renders the production, production-strimzi, strimzi and local kustomizations once, checks that
they pass as checked in, then breaks one thing at a time in a copy of the rendered objects and
expects the check to fail, naming the problem. CTest runs it as deploy_check_selftest (label
unit); it needs the same tools as the check (scripts/setup installs them).
"""

from __future__ import annotations

import argparse
import base64
import copy
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_deploy as cd  # noqa: E402  (re-runs this script under the deploy venv when needed)

ARGS: argparse.Namespace


class Fixture:
    rendered: dict[str, list[dict]] = {}
    helps: dict[str, set[str]] = {}
    otel_known: set[str] = set()
    versions: list[str] = []


def setUpModule() -> None:  # noqa: N802 (unittest's name)
    repo = ARGS.repo.resolve()
    report = cd.Report()
    versions = cd.tool_versions(repo / "deploy")
    kustomize = cd.check_tools(report, versions)
    bins = dict(item.split("=", 1) for item in ARGS.bin)
    Fixture.helps, Fixture.otel_known = cd.read_programs(report, bins, repo)
    Fixture.rendered = cd.render_all(report, kustomize, repo / "deploy")
    Fixture.versions = versions["KUBERNETES_VERSIONS"].split()
    if report.failures:
        raise RuntimeError("the deploy check's set-up failed (above); run deploy_check first")


def store_failures(rel: str, objects: list[dict]) -> list[str]:
    """Failures of checks (c)-(g) for one rendering, as check_deploy's main runs them."""
    repo = ARGS.repo.resolve()
    report = cd.Report(quiet=True)
    report.start(rel)
    partitions = None
    if rel == cd.STRIMZI_STORE:
        partitions = cd.check_strimzi(report, {**Fixture.rendered, rel: objects}, repo)
    cd.check_store(report, rel, objects, Fixture.helps, Fixture.otel_known, partitions)
    cd.check_secrets_and_config(report, rel, objects)
    cd.check_overlay(report, rel, objects, repo)
    return [message for _check, message in report.failures]


def deployment(objects: list[dict], service: str = "order") -> dict:
    return cd.store_deployment(objects, service)


def container(objects: list[dict], service: str = "order") -> dict:
    return cd.store_container(deployment(objects, service), service)


def config_map(objects: list[dict], key: str) -> dict:
    return next(c for c in cd.by_kind(objects, "ConfigMap") if key in (c.get("data") or {}))


class TheCheckedInManifests(unittest.TestCase):
    def test_pass_every_check(self) -> None:
        for rel in ("base", "overlays/production", "overlays/production-strimzi", "overlays/local"):
            self.assertEqual(store_failures(rel, Fixture.rendered[rel]), [], rel)


class ABrokenManifest(unittest.TestCase):
    """Each test breaks one thing in a copy of deploy/overlays/production and expects a failure."""

    rel = "overlays/production"

    def fails(self, mutate, expected: str, rel: str | None = None) -> None:
        rel = rel or self.rel
        objects = copy.deepcopy(Fixture.rendered[rel])
        mutate(objects)
        failures = store_failures(rel, objects)
        self.assertTrue(any(expected in f for f in failures),
                        f"no failure mentions {expected!r}; failures: {failures}")

    def test_with_liveness_on_the_wrong_path_fails(self) -> None:
        self.fails(lambda o: container(o)["livenessProbe"]["httpGet"].update(path="/readyz"),
                   "livenessProbe asks /readyz, want /healthz")

    def test_without_a_readiness_probe_fails(self) -> None:
        self.fails(lambda o: container(o).pop("readinessProbe"), "no readinessProbe")

    def test_with_a_probe_on_another_port_fails(self) -> None:
        self.fails(lambda o: container(o)["readinessProbe"]["httpGet"].update(port=9999),
                   "readinessProbe port 9999 is not the container port")

    def test_without_a_memory_limit_fails(self) -> None:
        self.fails(lambda o: container(o)["resources"]["limits"].pop("memory"), "no resources.limits.memory")

    def test_with_a_writable_root_filesystem_fails(self) -> None:
        self.fails(lambda o: container(o)["securityContext"].update(readOnlyRootFilesystem=False),
                   "readOnlyRootFilesystem is not true")

    def test_running_as_root_fails(self) -> None:
        self.fails(lambda o: deployment(o)["spec"]["template"]["spec"]["securityContext"].update(runAsUser=0),
                   "runAsUser must be a non-zero uid")

    def test_with_a_grace_period_shorter_than_the_drain_fails(self) -> None:
        self.fails(lambda o: deployment(o)["spec"]["template"]["spec"].update(terminationGracePeriodSeconds=20),
                   "terminationGracePeriodSeconds 20 < preStop sleep 5")

    def test_without_a_pre_stop_sleep_fails(self) -> None:
        self.fails(lambda o: container(o).pop("lifecycle"), "no preStop sleep")

    def test_with_a_replicas_field_fails(self) -> None:
        self.fails(lambda o: deployment(o)["spec"].update(replicas=3), "the Deployment sets replicas")

    def test_with_a_literal_database_url_fails(self) -> None:
        def literal(o):
            env = container(o)["env"]
            env[:] = [{"name": "COURIER_DATABASE_URL", "value": "postgresql://order@db/courier_order"}]
        self.fails(literal, "COURIER_DATABASE_URL must come from a secretKeyRef")

    def test_with_a_password_in_a_config_map_fails(self) -> None:
        self.fails(lambda o: config_map(o, "COURIER_BROKERS")["data"].update(
            COURIER_CONFIG_URL="postgresql://u:hunter2@db/x"), "carries a password")

    def test_with_a_secret_object_fails(self) -> None:
        secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "courier-order-database",
                                                                       "namespace": "courier"},
                  "data": {"url": base64.b64encode(b"postgresql://order@db/courier_order").decode()}}
        self.fails(lambda o: o.append(secret), "renders Secret/courier-order-database")

    def test_with_a_variable_the_program_does_not_read_fails(self) -> None:
        self.fails(lambda o: container(o)["env"].append({"name": "COURIER_DATABASE", "value": "x"}),
                   "sets COURIER_DATABASE (from value), which courier-order does not read")

    def test_with_an_otel_variable_the_tracing_does_not_read_fails(self) -> None:
        self.fails(lambda o: config_map(o, "COURIER_BROKERS")["data"].update(OTEL_EXPORTER_OTLP_PROTOCOLL="x"),
                   "OTEL_EXPORTER_OTLP_PROTOCOLL, which courier's tracing")

    def test_listening_on_the_default_address_fails(self) -> None:
        self.fails(lambda o: config_map(o, "COURIER_BROKERS")["data"].pop("COURIER_HTTP_ADDRESS"),
                   "COURIER_HTTP_ADDRESS must be 0.0.0.0")

    def test_with_a_missing_config_map_fails(self) -> None:
        def drop(o):
            o.remove(config_map(o, "COURIER_SAGA_STEP_TIMEOUT"))
        self.fails(drop, "which the rendering does not contain")

    def test_without_a_disruption_budget_fails(self) -> None:
        self.fails(lambda o: o.remove(next(p for p in cd.by_kind(o, "PodDisruptionBudget")
                                           if p["metadata"]["name"] == "courier-listing")),
                   "0 PodDisruptionBudgets select its pods")

    def test_without_an_autoscaler_fails(self) -> None:
        self.fails(lambda o: o.remove(next(h for h in cd.by_kind(o, "HorizontalPodAutoscaler")
                                           if h["metadata"]["name"] == "courier-product")),
                   "0 HorizontalPodAutoscalers target Deployment courier-product")

    def test_scaling_beyond_the_partitions_fails(self) -> None:
        self.fails(lambda o: cd.by_kind(o, "HorizontalPodAutoscaler")[0]["spec"].update(maxReplicas=13),
                   "maxReplicas 13 is above the topics' 12 partitions")

    def test_a_budget_that_blocks_every_eviction_fails(self) -> None:
        def block(o):
            spec = cd.by_kind(o, "PodDisruptionBudget")[0]["spec"]
            spec.pop("maxUnavailable")
            spec["minAvailable"] = 3
        self.fails(block, "blocks every eviction")

    def test_a_service_port_unlike_the_container_port_fails(self) -> None:
        self.fails(lambda o: next(s for s in cd.by_kind(o, "Service") if s["metadata"]["name"] == "courier-order")
                   ["spec"]["ports"][0].update(port=80), "port 80 differs from the container port 8083")

    def test_a_service_that_targets_no_container_port_fails(self) -> None:
        self.fails(lambda o: next(s for s in cd.by_kind(o, "Service") if s["metadata"]["name"] == "courier-order")
                   ["spec"]["ports"][0].update(targetPort="web"), "which is no container port")

    def test_a_development_image_fails(self) -> None:
        self.fails(lambda o: container(o).update(image="courier-store:dev"), "pin a release tag or digest")

    def test_without_scrape_annotations_fails(self) -> None:
        self.fails(lambda o: deployment(o)["spec"]["template"]["metadata"].pop("annotations"),
                   "prometheus.io/scrape")

    def test_with_brokers_elsewhere_than_the_strimzi_bootstrap_fails(self) -> None:
        self.fails(lambda o: config_map(o, "COURIER_BROKERS")["data"].update(COURIER_BROKERS="kafka:9092"),
                   "want a bootstrap Service of deploy/strimzi", rel=cd.STRIMZI_STORE)

    def test_with_a_password_in_the_local_overlays_secret_fails(self) -> None:
        def password(o):
            secret = cd.by_kind(o, "Secret")[0]
            secret["data"]["url"] = base64.b64encode(b"postgresql://postgres:pw@postgres/courier_order").decode()
        self.fails(password, "holds a credential", rel="overlays/local")


class TheSchemaAndTopicChecks(unittest.TestCase):
    def schema_failures(self, obj: dict) -> list[str]:
        report = cd.Report(quiet=True)
        cd.check_schemas(report, {"test": [obj]}, Fixture.versions)
        return [message for _check, message in report.failures]

    def test_a_misspelled_field_fails(self) -> None:
        d = copy.deepcopy(cd.store_deployment(Fixture.rendered["overlays/production"], "order"))
        d["spec"]["template"]["spec"]["terminationGracePeriodSecond"] = 45
        self.assertTrue(any("terminationGracePeriodSecond" in f for f in self.schema_failures(d)))

    def test_a_wrong_type_fails(self) -> None:
        d = copy.deepcopy(cd.store_deployment(Fixture.rendered["overlays/production"], "order"))
        d["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "8083"
        self.assertTrue(any("is not of type 'integer'" in f for f in self.schema_failures(d)))

    def test_an_unknown_kind_fails(self) -> None:
        monitor = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": "x"}}
        self.assertTrue(any("has no Kubernetes" in f for f in self.schema_failures(monitor)))

    def test_a_topic_without_partitions_fails(self) -> None:
        topic = copy.deepcopy(cd.by_kind(Fixture.rendered[cd.STRIMZI], "KafkaTopic")[0])
        topic["spec"].pop("partitions")
        self.assertTrue(any("spec.partitions" in f for f in self.schema_failures(topic)))

    def test_a_missing_kafka_topic_fails(self) -> None:
        rendered = copy.deepcopy(Fixture.rendered)
        topics = cd.by_kind(rendered[cd.STRIMZI], "KafkaTopic")
        rendered[cd.STRIMZI].remove(next(t for t in topics if t["metadata"]["name"] == "store.product.replies.dlq"))
        report = cd.Report(quiet=True)
        cd.check_strimzi(report, rendered, ARGS.repo.resolve())
        self.assertTrue(any("no KafkaTopic for store.product.replies.dlq" in m for _c, m in report.failures),
                        report.failures)

    def test_finds_the_seven_topics_in_the_services_sources(self) -> None:
        self.assertEqual(cd.services_topics(ARGS.repo.resolve()), {
            "store.order.events", "store.product.commands", "store.product.replies", "store.product.events",
            "store.listing.commands", "store.listing.replies", "store.listing.events"})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--bin", action="append", default=[], metavar="NAME=PATH")
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
