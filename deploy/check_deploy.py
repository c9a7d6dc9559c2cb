#!/usr/bin/env python3
"""Render and check deploy/ (the Kustomize manifests of the demo store) without a cluster.

Usage: check_deploy.py --repo DIR --bin NAME=PATH [--bin NAME=PATH ...]

Runs every check and prints each failure with what to fix; exit 0 when all pass, 1 otherwise,
2 for a usage error. CTest runs it as deploy_check (label unit; deploy/CMakeLists.txt passes the
built service binaries, whose --help lists the environment they read).

Tools (pinned in deploy/tool-versions.env, installed by scripts/setup into the courier cache; a
missing one is a failure that says to run scripts/setup, never a skip):
  kustomize            ${COURIER_CACHE_DIR:-~/.cache/courier}/kustomize-<version>/kustomize,
                       or $COURIER_KUSTOMIZE
  kubernetes-validate  the venv ${COURIER_CACHE_DIR:-~/.cache/courier}/deploy-python, or
                       $COURIER_DEPLOY_PYTHON; this script re-runs itself under that Python

  (a) Every kustomization under deploy/ renders with the pinned kustomize.
  (b) Every rendered object validates strictly (unknown fields fail) against the Kubernetes
      schemas of each version in KUBERNETES_VERSIONS; Strimzi's kinds (no schema offline) get a
      structural check here; any other kind fails.
  (c) For each store service in each rendering: Deployment with the service's program, liveness on
      /healthz, readiness on /readyz and a startup probe, on the container's HTTP port; requests
      and limits; non-root, read-only root filesystem, no privilege escalation, no capabilities;
      a preStop sleep and a terminationGracePeriodSeconds that covers it plus the drain bound; no
      replicas field (the autoscaler owns it); prometheus.io annotations on the port and /metrics.
  (d) Environment: every variable is one the program reads (its --help, courier's OTEL_* names,
      COURIER_RDKAFKA_*, COURIER_CONFIG); brokers, port, group and a 0.0.0.0 listen address set;
      COURIER_DATABASE_URL from a secretKeyRef; every referenced ConfigMap exists.
  (e) No secret values: no Secret object outside the dev-only overlay (and none there carrying a
      password), no literal value for a credential-like variable, no credential in a ConfigMap.
  (f) Every Deployment has one PodDisruptionBudget and one autoscaling/v2 HorizontalPodAutoscaler;
      maxReplicas within the topics' partitions and the outbox's 16 shards; the budget allows an
      eviction; each Service selects its pods and its ports are the container's ports.
  (g) Overlays: namespaced objects have a namespace; production images are neither :dev nor
      untagged nor :latest; the local overlay's database URLs name databases its PostgreSQL creates.
  (h) deploy/strimzi: one KafkaTopic for each topic the services use and its .dlq, on the Kafka in
      that file, replicated within the brokers; production-strimzi points COURIER_BROKERS at that
      Kafka's bootstrap Service and COURIER_TOPIC_PARTITIONS at the topics' partitions.
  (i) docs/deployment.md names every Secret (and key) the services read and every kustomization.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent


def cache_root() -> Path:
    if os.environ.get("COURIER_CACHE_DIR"):
        return Path(os.environ["COURIER_CACHE_DIR"])
    return Path(os.path.expanduser("~")) / ".cache" / "courier"


def tool_versions(deploy_dir: Path) -> dict[str, str]:
    values = {}
    for line in (deploy_dir / "tool-versions.env").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


# kubernetes-validate lives in the venv scripts/setup makes: re-run this script under it.
try:
    import kubernetes_validate  # noqa: F401
    import yaml
except ImportError:
    venv_python = Path(os.environ.get("COURIER_DEPLOY_PYTHON") or cache_root() / "deploy-python" / "bin" / "python")
    if os.environ.get("COURIER_DEPLOY_CHECK_REEXEC") != "1" and os.access(venv_python, os.X_OK):
        os.environ["COURIER_DEPLOY_CHECK_REEXEC"] = "1"
        # sys.argv[0]: the script that was started (this one, or a test that imports it).
        os.execv(str(venv_python), [str(venv_python), str(Path(sys.argv[0]).resolve()), *sys.argv[1:]])
    print(f"FAIL tools: kubernetes-validate is not installed: no venv at {venv_python.parent.parent} "
          "(or it lacks kubernetes_validate). Run scripts/setup (or scripts/setup --deploy-tools), "
          "which makes it from PyPI; or set COURIER_DEPLOY_PYTHON to a Python that has it.")
    print("\ndeploy check: 1 failure (a missing tool)")
    sys.exit(1)

from kubernetes_validate import utils as kv  # noqa: E402

ENV_IN_HELP = re.compile(r"\[env ([A-Z][A-Z0-9_]*)\]")
TRACING_ENV_SOURCE = "tracing/src/tracer_provider.cpp"
SERVICES = ("product", "listing", "order")
# Where the services name their topics (store.<domain>.<events|commands|replies>).
TOPIC_SOURCES = ("services/product", "services/listing", "services/order")
TOPIC_NAME = re.compile(r'"(store\.[a-z]+\.(?:events|commands|replies))"')
# The shutdown a pod must be given after its preStop sleep: RouterOptions::shutdown_timeout (10 s),
# OutboxRelayOptions::stop_timeout (10 s) and ServiceRuntime::stop()'s trace flush (5 s), one after
# the other (services/common/src/service_runtime.cpp).
DRAIN_BOUND_SECONDS = 25
# OutboxRelay works kShards = 16 shards (sagas/outbox/include/courier/outbox/key_routing.hpp): more
# relays than that stand by.
OUTBOX_SHARDS = 16
# Kustomizations meant for a laptop cluster only; they may generate passwordless Secrets.
DEV_ONLY = {"overlays/local"}
# Kustomizations that deploy the store (the others, e.g. strimzi, deploy what it needs).
STRIMZI = "strimzi"
STRIMZI_STORE = "overlays/production-strimzi"
STRIMZI_GROUP = "kafka.strimzi.io"
CREDENTIAL_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE_KEY|DATABASE_URL|DSN|SASL_USERNAME",
                             re.I)
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass",
                  "CustomResourceDefinition", "PriorityClass"}
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


class Report:
    """Collects failures per check; prints each with its fix."""

    def __init__(self, quiet: bool = False) -> None:
        self.failures: list[tuple[str, str]] = []
        self.current = ""
        self.quiet = quiet
        self._count_before = 0

    def start(self, name: str) -> None:
        self.current = name
        self._count_before = len(self.failures)

    def fail(self, message: str) -> None:
        self.failures.append((self.current, message))
        if not self.quiet:
            print(f"FAIL {self.current}: {message}")

    def done(self, detail: str = "") -> None:
        if len(self.failures) == self._count_before and not self.quiet:
            print(f"ok   {self.current}" + (f" ({detail})" if detail else ""))


# ------------------------------------------------------------------------------- helpers
def kind_name(obj: dict) -> str:
    return f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}"


def by_kind(objects: list[dict], kind: str) -> list[dict]:
    return [o for o in objects if o.get("kind") == kind]


def find(objects: list[dict], kind: str, name: str) -> dict | None:
    for o in objects:
        if o.get("kind") == kind and (o.get("metadata") or {}).get("name") == name:
            return o
    return None


def labels_match(selector: dict, labels: dict) -> bool:
    """A LabelSelector (matchLabels and matchExpressions) against a set of labels."""
    if not selector:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def store_deployment(objects: list[dict], service: str) -> dict | None:
    """The Deployment that runs courier-<service> (found by its command, whatever its name)."""
    for d in by_kind(objects, "Deployment"):
        for c in d["spec"]["template"]["spec"].get("containers") or []:
            if (c.get("command") or [None])[0] == f"courier-{service}":
                return d
    return None


def store_container(deployment: dict, service: str) -> dict:
    for c in deployment["spec"]["template"]["spec"]["containers"]:
        if (c.get("command") or [None])[0] == f"courier-{service}":
            return c
    raise KeyError(service)


def container_port(container: dict, port) -> int | None:
    """A probe's or Service's port (name or number) as the container's port number."""
    for p in container.get("ports") or []:
        if port == p.get("name") or (isinstance(port, int) and port == p.get("containerPort")):
            return p.get("containerPort")
    return None


def effective_env(container: dict, objects: list[dict]) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """Variable -> (source, value) as the kubelet would set it, and the references it cannot resolve.

    source is 'value', 'configmap:<name>', 'secret:<name>/<key>' or 'other'."""
    env: dict[str, tuple[str, str]] = {}
    missing = []
    for item in container.get("envFrom") or []:
        prefix = item.get("prefix", "")
        if "configMapRef" in item:
            name = item["configMapRef"]["name"]
            cm = find(objects, "ConfigMap", name)
            if cm is None:
                if not item["configMapRef"].get("optional"):
                    missing.append(f"ConfigMap {name} (envFrom)")
                continue
            for key, value in (cm.get("data") or {}).items():
                env[prefix + key] = (f"configmap:{name}", str(value))
        elif "secretRef" in item:
            name = item["secretRef"]["name"]
            secret = find(objects, "Secret", name)
            for key in ((secret or {}).get("data") or {}):
                env[prefix + key] = (f"secret:{name}/{key}", "")
            if secret is None:
                env[f"{prefix}<every key of Secret {name}>"] = (f"secret:{name}/*", "")
    for item in container.get("env") or []:
        name = item["name"]
        if "value" in item:
            env[name] = ("value", str(item["value"]))
        elif "valueFrom" in item:
            source = item["valueFrom"]
            if "secretKeyRef" in source:
                ref = source["secretKeyRef"]
                env[name] = (f"secret:{ref['name']}/{ref['key']}", "")
            elif "configMapKeyRef" in source:
                ref = source["configMapKeyRef"]
                cm = find(objects, "ConfigMap", ref["name"])
                if cm is None or ref["key"] not in (cm.get("data") or {}):
                    if not ref.get("optional"):
                        missing.append(f"ConfigMap {ref['name']} key {ref['key']}")
                    continue
                env[name] = (f"configmap:{ref['name']}", str(cm["data"][ref["key"]]))
            else:
                env[name] = ("other", "")
        else:
            env[name] = ("value", "")
    return env, missing


def has_password(value: str) -> bool:
    """A connection string or URL that carries a password."""
    if "://" in value:
        try:
            return urlsplit(value).password is not None or re.search(r"[?&]password=", value) is not None
        except ValueError:
            return True
    return re.search(r"(^|\s)password\s*=", value) is not None


def cpu_millis(quantity) -> float:
    text = str(quantity)
    return float(text[:-1]) if text.endswith("m") else float(text) * 1000


def memory_bytes(quantity) -> float:
    text = str(quantity)
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    return float(text)


def services_topics(repo: Path) -> set[str]:
    topics: set[str] = set()
    for folder in TOPIC_SOURCES:
        for path in (repo / folder).rglob("*"):
            if path.suffix in (".cpp", ".hpp") and "tests" not in path.parts:
                topics |= set(TOPIC_NAME.findall(path.read_text()))
    return topics


# -------------------------------------------------------------------------------- checks
def check_tools(report: Report, versions: dict[str, str]) -> Path | None:
    report.start("tools: the pinned kustomize and kubernetes-validate (deploy/tool-versions.env)")
    want = versions.get("KUSTOMIZE_VERSION", "")
    kustomize = Path(os.environ.get("COURIER_KUSTOMIZE") or cache_root() / f"kustomize-{want}" / "kustomize")
    found = None
    if not os.access(kustomize, os.X_OK):
        report.fail(f"kustomize {want} is not installed at {kustomize}: run scripts/setup (or scripts/setup "
                    "--deploy-tools), which builds it once from the Go module proxy; or set COURIER_KUSTOMIZE")
    else:
        out = subprocess.run([str(kustomize), "version"], capture_output=True, text=True)
        have = out.stdout.strip()
        if out.returncode != 0 or want not in have:
            report.fail(f"{kustomize} reports version {have or out.stderr.strip()!r}, not {want}: run scripts/setup")
        else:
            found = kustomize
    from kubernetes_validate import version as kv_version
    if kv_version.__version__ != versions.get("KUBERNETES_VALIDATE_VERSION"):
        report.fail(f"kubernetes-validate is {kv_version.__version__}, deploy/tool-versions.env pins "
                    f"{versions.get('KUBERNETES_VALIDATE_VERSION')}: run scripts/setup (it remakes the venv)")
    for k8s in versions.get("KUBERNETES_VERSIONS", "").split():
        if k8s not in [kv.major_minor(v) for v in kv.all_versions()]:
            report.fail(f"kubernetes-validate {kv_version.__version__} has no schemas for Kubernetes {k8s} "
                        "(KUBERNETES_VERSIONS in deploy/tool-versions.env)")
    report.done(f"kustomize {want}, kubernetes-validate {kv_version.__version__}")
    return found


def render_all(report: Report, kustomize: Path | None, deploy_dir: Path) -> dict[str, list[dict]]:
    report.start("(a) every kustomization renders")
    roots = sorted(p.parent for p in deploy_dir.rglob("kustomization.yaml"))
    rendered: dict[str, list[dict]] = {}
    if kustomize is None:
        report.fail("not rendered: kustomize is missing (above)")
        return rendered
    for root in roots:
        rel = root.relative_to(deploy_dir).as_posix()
        out = subprocess.run([str(kustomize), "build", str(root)], capture_output=True, text=True)
        if out.returncode != 0:
            report.fail(f"kustomize build deploy/{rel} failed: {out.stderr.strip()}")
            continue
        try:
            rendered[rel] = [d for d in yaml.safe_load_all(out.stdout) if d]
        except yaml.YAMLError as err:
            report.fail(f"kustomize build deploy/{rel} printed YAML that does not parse: {err}")
    for needed in ("base", "overlays/production", "overlays/local", STRIMZI, STRIMZI_STORE):
        if needed not in rendered and all(needed != r.relative_to(deploy_dir).as_posix() for r in roots):
            report.fail(f"deploy/{needed}/kustomization.yaml is missing")
    report.done(", ".join(f"{k}: {len(v)} objects" for k, v in rendered.items()))
    return rendered


def check_strimzi_object(obj: dict) -> list[str]:
    """A structural check of the Strimzi fields these manifests use (no CRD schema offline)."""
    problems = []
    spec = obj.get("spec") or {}
    kind = obj.get("kind")
    name = (obj.get("metadata") or {}).get("name", "")
    if not DNS_SUBDOMAIN.match(name) or len(name) > 253:
        problems.append(f"metadata.name {name!r} is not a DNS subdomain")
    if obj.get("apiVersion") not in (f"{STRIMZI_GROUP}/v1beta2", f"{STRIMZI_GROUP}/v1"):
        problems.append(f"apiVersion {obj.get('apiVersion')} (want {STRIMZI_GROUP}/v1beta2)")
    if kind != "Kafka" and not ((obj.get("metadata") or {}).get("labels") or {}).get("strimzi.io/cluster"):
        problems.append("no strimzi.io/cluster label")
    if kind == "KafkaTopic":
        for field in ("partitions", "replicas"):
            if not isinstance(spec.get(field), int) or spec[field] < 1:
                problems.append(f"spec.{field} must be a positive integer")
        for key, value in (spec.get("config") or {}).items():
            if not isinstance(value, (str, int, float, bool)):
                problems.append(f"spec.config.{key} must be a scalar")
        extra = set(spec) - {"topicName", "partitions", "replicas", "config"}
        if extra:
            problems.append(f"unknown spec fields {sorted(extra)}")
    elif kind == "KafkaNodePool":
        if not isinstance(spec.get("replicas"), int) or spec["replicas"] < 1:
            problems.append("spec.replicas must be a positive integer")
        roles = spec.get("roles") or []
        if not roles or set(roles) - {"controller", "broker"}:
            problems.append(f"spec.roles {roles} must be some of controller, broker")
        if (spec.get("storage") or {}).get("type") not in ("jbod", "persistent-claim", "ephemeral"):
            problems.append("spec.storage.type must be jbod, persistent-claim or ephemeral")
    elif kind == "Kafka":
        listeners = (spec.get("kafka") or {}).get("listeners") or []
        if not listeners:
            problems.append("spec.kafka.listeners is empty")
        for listener in listeners:
            if not re.match(r"^[a-z0-9]{1,11}$", str(listener.get("name", ""))):
                problems.append(f"listener name {listener.get('name')!r} must be 1-11 lower-case letters/digits")
            if not isinstance(listener.get("port"), int) or listener["port"] < 9092:
                problems.append(f"listener {listener.get('name')}: port must be an integer >= 9092")
            if listener.get("type") not in ("internal", "route", "loadbalancer", "nodeport", "ingress",
                                            "cluster-ip"):
                problems.append(f"listener {listener.get('name')}: unknown type {listener.get('type')!r}")
            if not isinstance(listener.get("tls"), bool):
                problems.append(f"listener {listener.get('name')}: tls must be true or false")
    else:
        problems.append(f"no structural check for Strimzi kind {kind}; add one to check_strimzi_object")
    return problems


def check_schemas(report: Report, rendered: dict[str, list[dict]], versions: list[str]) -> None:
    report.start(f"(b) every object validates against the Kubernetes {' and '.join(versions)} schemas (strict)")
    count = 0
    for rel, objects in rendered.items():
        for obj in objects:
            api = str(obj.get("apiVersion", ""))
            if api.split("/")[0] == STRIMZI_GROUP:
                for problem in check_strimzi_object(obj):
                    report.fail(f"deploy/{rel}: {kind_name(obj)}: {problem}")
                count += 1
                continue
            for version in versions:
                try:
                    kv.validate(obj, version, strict=True)
                except kv.ValidationError as err:
                    path = ".".join(str(p) for p in err.path)
                    report.fail(f"deploy/{rel}: {kind_name(obj)} is invalid for Kubernetes {version}: "
                                f"{path}: {err.message}")
                except kv.SchemaNotFoundError:
                    report.fail(f"deploy/{rel}: {kind_name(obj)} ({api}) has no Kubernetes {version} schema: "
                                "a kind this check does not know; use a built-in kind, or teach "
                                "check_deploy.py its schema")
            count += 1
    report.done(f"{count} objects")


def check_store(report: Report, rel: str, objects: list[dict], helps: dict[str, set[str]], otel_known: set[str],
                partitions_by_topic: dict[str, int] | None) -> None:
    """Checks (c)-(f) for one rendering of the store."""
    for service in SERVICES:
        deployment = store_deployment(objects, service)
        where = f"deploy/{rel}: courier-{service}"
        if deployment is None:
            report.fail(f"deploy/{rel} has no Deployment running courier-{service}")
            continue
        name = deployment["metadata"]["name"]
        spec = deployment["spec"]
        pod = spec["template"]["spec"]
        pod_labels = (spec["template"].get("metadata") or {}).get("labels") or {}
        container = store_container(deployment, service)
        env, missing = effective_env(container, objects)
        port_value = env.get("COURIER_HTTP_PORT", ("", ""))[1]
        http_port = container_port(container, "http") or (int(port_value) if port_value.isdigit() else None)

        # (c) probes, resources, security, shutdown, replicas, annotations
        if not labels_match(spec.get("selector") or {}, pod_labels):
            report.fail(f"{where}: the Deployment's selector does not match its pod labels {pod_labels}")
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz"), ("startupProbe", "/healthz")):
            get = (container.get(probe) or {}).get("httpGet")
            if not get:
                report.fail(f"{where}: no {probe} with httpGet {path} (add one on port http)")
                continue
            if get.get("path") != path:
                report.fail(f"{where}: {probe} asks {get.get('path')}, want {path}")
            if container_port(container, get.get("port")) != int(port_value or -1):
                report.fail(f"{where}: {probe} port {get.get('port')} is not the container port the service "
                            f"listens on (COURIER_HTTP_PORT={port_value})")
        resources = container.get("resources") or {}
        for section in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in (resources.get(section) or {}):
                    report.fail(f"{where}: no resources.{section}.{resource}")
        try:
            if cpu_millis(resources["requests"]["cpu"]) > cpu_millis(resources["limits"]["cpu"]) or \
                    memory_bytes(resources["requests"]["memory"]) > memory_bytes(resources["limits"]["memory"]):
                report.fail(f"{where}: a resource request is above its limit")
        except (KeyError, TypeError, ValueError):
            pass
        pod_sc = pod.get("securityContext") or {}
        sc = container.get("securityContext") or {}
        if not (sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True):
            report.fail(f"{where}: runAsNonRoot is not true")
        uid = sc.get("runAsUser", pod_sc.get("runAsUser"))
        if not isinstance(uid, int) or uid == 0:
            report.fail(f"{where}: runAsUser must be a non-zero uid (the image's USER is a name, which the "
                        "kubelet cannot check against runAsNonRoot)")
        if sc.get("readOnlyRootFilesystem") is not True:
            report.fail(f"{where}: readOnlyRootFilesystem is not true")
        if sc.get("allowPrivilegeEscalation") is not False:
            report.fail(f"{where}: allowPrivilegeEscalation is not false")
        if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
            report.fail(f"{where}: capabilities.drop does not include ALL")
        if (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}).get("type") not in ("RuntimeDefault",
                                                                                             "Localhost"):
            report.fail(f"{where}: no RuntimeDefault seccompProfile")
        grace = pod.get("terminationGracePeriodSeconds")
        pre_stop = ((container.get("lifecycle") or {}).get("preStop") or {})
        sleep = 0
        if "sleep" in pre_stop:
            sleep = int(pre_stop["sleep"].get("seconds", 0))
        elif (pre_stop.get("exec") or {}).get("command", [None])[0] == "sleep":
            sleep = int(pre_stop["exec"]["command"][1])
        else:
            report.fail(f"{where}: no preStop sleep (endpoints need a few seconds to drop a terminating pod "
                        "before it stops serving)")
        if not isinstance(grace, int):
            report.fail(f"{where}: terminationGracePeriodSeconds is not set")
        elif grace < sleep + DRAIN_BOUND_SECONDS:
            report.fail(f"{where}: terminationGracePeriodSeconds {grace} < preStop sleep {sleep} + the drain "
                        f"bound {DRAIN_BOUND_SECONDS} s (consumer 10 s + relay 10 s + trace flush 5 s)")
        if "replicas" in spec:
            report.fail(f"{where}: the Deployment sets replicas, which resets the autoscaler's count on every "
                        "apply; leave it out")
        annotations = (spec["template"].get("metadata") or {}).get("annotations") or {}
        if annotations.get("prometheus.io/scrape") != "true" or annotations.get("prometheus.io/path") != "/metrics" \
                or annotations.get("prometheus.io/port") != str(http_port):
            report.fail(f"{where}: pod annotations prometheus.io/scrape=\"true\", path /metrics and port "
                        f"{http_port} expected, got {annotations}")
        if pod.get("automountServiceAccountToken") is not False:
            report.fail(f"{where}: automountServiceAccountToken should be false (the service never calls the API)")

        # (d) environment
        for ref in missing:
            report.fail(f"{where}: references {ref}, which the rendering does not contain")
        known = helps.get(f"courier-{service}")
        for var, (source, _value) in sorted(env.items()):
            if var.startswith("<"):
                continue
            if var.startswith("OTEL_"):
                if otel_known and var not in otel_known:
                    report.fail(f"{where} sets {var}, which courier's tracing ({TRACING_ENV_SOURCE}) does not read")
            elif var.startswith("COURIER_RDKAFKA_") or var == "COURIER_CONFIG":
                pass
            elif known is not None and var not in known:
                report.fail(f"{where} sets {var} (from {source}), which courier-{service} does not read "
                            f"(its --help lists: {', '.join(sorted(known))})")
        for var in ("COURIER_BROKERS", "COURIER_DATABASE_URL", "COURIER_HTTP_ADDRESS", "COURIER_HTTP_PORT",
                    "COURIER_GROUP", "OTEL_SERVICE_NAME"):
            if var not in env:
                report.fail(f"{where}: {var} is not set")
        if env.get("COURIER_HTTP_ADDRESS", ("", ""))[1] not in ("0.0.0.0", "::"):
            report.fail(f"{where}: COURIER_HTTP_ADDRESS must be 0.0.0.0 (the default 127.0.0.1 is unreachable "
                        "for probes and the Service)")
        if not port_value or container_port(container, int(port_value) if port_value.isdigit() else port_value) is None:
            report.fail(f"{where}: COURIER_HTTP_PORT={port_value!r} is not one of the container's ports")
        if not env.get("COURIER_DATABASE_URL", ("",))[0].startswith("secret:"):
            report.fail(f"{where}: COURIER_DATABASE_URL must come from a secretKeyRef (it may hold a password)")

        # (e) no secret values in the environment
        for var, (source, value) in env.items():
            if CREDENTIAL_NAME.search(var) and (source == "value" or source.startswith("configmap:")):
                report.fail(f"{where}: {var} comes from {source}; a credential belongs in a Secret (secretKeyRef)")
            if value and has_password(value):
                report.fail(f"{where}: {var} ({source}) carries a password in plain text")

        # (f) PDB, HPA, Service
        pdbs = [p for p in by_kind(objects, "PodDisruptionBudget")
                if labels_match((p.get("spec") or {}).get("selector") or {}, pod_labels)]
        hpas = [h for h in by_kind(objects, "HorizontalPodAutoscaler")
                if (h["spec"].get("scaleTargetRef") or {}).get("kind") == "Deployment"
                and h["spec"]["scaleTargetRef"].get("name") == name]
        if len(pdbs) != 1:
            report.fail(f"{where}: {len(pdbs)} PodDisruptionBudgets select its pods, want 1")
        if len(hpas) != 1:
            report.fail(f"{where}: {len(hpas)} HorizontalPodAutoscalers target Deployment {name}, want 1")
        for hpa in hpas:
            if hpa.get("apiVersion") != "autoscaling/v2":
                report.fail(f"{where}: the autoscaler is {hpa.get('apiVersion')}, want autoscaling/v2")
            low, high = hpa["spec"].get("minReplicas", 1), hpa["spec"]["maxReplicas"]
            if not 1 <= low <= high:
                report.fail(f"{where}: autoscaler minReplicas {low} / maxReplicas {high}")
            bound = partitions_by_topic and min(partitions_by_topic.values())
            configured = env.get("COURIER_TOPIC_PARTITIONS", ("", ""))[1]
            if not bound and configured.isdigit():
                bound = int(configured)
            if bound and high > bound:
                report.fail(f"{where}: maxReplicas {high} is above the topics' {bound} partitions: consumers "
                            "beyond the partition count sit idle")
            if high > OUTBOX_SHARDS:
                report.fail(f"{where}: maxReplicas {high} is above the outbox's {OUTBOX_SHARDS} shards")
            for pdb in pdbs:
                min_available = pdb["spec"].get("minAvailable")
                if isinstance(min_available, int) and min_available >= low:
                    report.fail(f"{where}: the PodDisruptionBudget's minAvailable {min_available} blocks every "
                                f"eviction at minReplicas {low}; use maxUnavailable: 1")
                if pdb["spec"].get("maxUnavailable") in (0, "0%"):
                    report.fail(f"{where}: the PodDisruptionBudget's maxUnavailable 0 blocks every eviction")
        services = [s for s in by_kind(objects, "Service")
                    if labels_match({"matchLabels": (s["spec"].get("selector") or {})}, pod_labels)]
        if len(services) != 1:
            report.fail(f"{where}: {len(services)} Services select its pods, want 1")
        for svc in services:
            for port in svc["spec"].get("ports") or []:
                target = port.get("targetPort", port.get("port"))
                number = container_port(container, target)
                if number is None:
                    report.fail(f"{where}: Service {svc['metadata']['name']} port {port.get('port')} targets "
                                f"{target!r}, which is no container port")
                elif port.get("port") != number:
                    report.fail(f"{where}: Service {svc['metadata']['name']} port {port.get('port')} differs "
                                f"from the container port {number}")


def check_secrets_and_config(report: Report, rel: str, objects: list[dict]) -> None:
    """(e) for the objects themselves: Secrets and ConfigMaps."""
    for secret in by_kind(objects, "Secret"):
        if rel not in DEV_ONLY:
            report.fail(f"deploy/{rel} renders {kind_name(secret)}: the operator creates Secrets "
                        "(docs/deployment.md); none may live in this repository")
            continue
        for key, value in {**(secret.get("stringData") or {}),
                           **{k: base64.b64decode(v).decode(errors="replace")
                              for k, v in (secret.get("data") or {}).items()}}.items():
            if has_password(value) or re.search(r"password|token|secret", key, re.I):
                report.fail(f"deploy/{rel}: {kind_name(secret)} key {key} holds a credential")
    for cm in by_kind(objects, "ConfigMap"):
        for key, value in (cm.get("data") or {}).items():
            if CREDENTIAL_NAME.search(key) or has_password(str(value)):
                report.fail(f"deploy/{rel}: {kind_name(cm)} key {key} looks like a credential; use a Secret")


def check_overlay(report: Report, rel: str, objects: list[dict], repo: Path) -> None:
    """(g) namespaces, images, and the local overlay's databases."""
    if rel == "base":
        return
    for obj in objects:
        if obj.get("kind") not in CLUSTER_SCOPED and not (obj.get("metadata") or {}).get("namespace"):
            report.fail(f"deploy/{rel}: {kind_name(obj)} has no namespace (set `namespace:` in the kustomization)")
    if rel.startswith("overlays/production"):
        for d in by_kind(objects, "Deployment"):
            for c in d["spec"]["template"]["spec"]["containers"]:
                image = c.get("image", "")
                tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
                if "@sha256:" not in image and tag in ("", "dev", "latest"):
                    report.fail(f"deploy/{rel}: {kind_name(d)} runs image {image!r}; pin a release tag or digest")
    if rel in DEV_ONLY:
        created: set[str] = set()
        for cm in by_kind(objects, "ConfigMap"):
            for value in (cm.get("data") or {}).values():
                created |= set(re.findall(r"CREATE\s+DATABASE\s+\"?([A-Za-z0-9_]+)", str(value), re.I))
        for secret in by_kind(objects, "Secret"):
            for value in (secret.get("data") or {}).values():
                url = base64.b64decode(value).decode(errors="replace")
                database = urlsplit(url).path.lstrip("/") if "://" in url else ""
                if database and database not in created:
                    report.fail(f"deploy/{rel}: {kind_name(secret)} names database {database!r}, which no init "
                                f"script in the rendering creates (it creates {sorted(created)})")


def check_strimzi(report: Report, rendered: dict[str, list[dict]], repo: Path) -> dict[str, int]:
    report.start("(h) deploy/strimzi: the services' topics and their .dlq, and production-strimzi's wiring")
    objects = rendered.get(STRIMZI, [])
    wanted = services_topics(repo)
    if len(wanted) < 7:
        report.fail(f"found only {sorted(wanted)} in {', '.join(TOPIC_SOURCES)}: update TOPIC_NAME/TOPIC_SOURCES")
    wanted |= {t + ".dlq" for t in wanted}
    kafkas = {k["metadata"]["name"]: k for k in by_kind(objects, "Kafka")}
    pools = by_kind(objects, "KafkaNodePool")
    topics = {}
    for t in by_kind(objects, "KafkaTopic"):
        topic = t["spec"].get("topicName") or t["metadata"]["name"]
        topics[topic] = t
        cluster = t["metadata"].get("labels", {}).get("strimzi.io/cluster")
        if cluster not in kafkas:
            report.fail(f"KafkaTopic {topic} belongs to cluster {cluster!r}, which deploy/strimzi does not define")
            continue
        brokers = sum(p["spec"]["replicas"] for p in pools
                      if p["metadata"].get("labels", {}).get("strimzi.io/cluster") == cluster
                      and "broker" in p["spec"].get("roles", []))
        replicas = t["spec"].get("replicas", 0)
        if replicas > brokers:
            report.fail(f"KafkaTopic {topic}: replicas {replicas} > the {brokers} brokers of {cluster}")
        isr = int((t["spec"].get("config") or {}).get("min.insync.replicas", 1))
        if replicas > 1 and isr >= replicas:
            report.fail(f"KafkaTopic {topic}: min.insync.replicas {isr} leaves no broker to lose "
                        f"(replicas {replicas})")
    for topic in sorted(wanted - set(topics)):
        report.fail(f"no KafkaTopic for {topic} (a topic the services use, or its dead-letter topic)")
    for topic in sorted(set(topics) - wanted):
        report.fail(f"KafkaTopic {topic} is no topic the services use")
    partitions = {name: t["spec"].get("partitions", 0) for name, t in topics.items()}

    store = rendered.get(STRIMZI_STORE, [])
    cm = next((c for c in by_kind(store, "ConfigMap") if "COURIER_BROKERS" in (c.get("data") or {})), None)
    if cm is None:
        report.fail(f"deploy/{STRIMZI_STORE} sets no COURIER_BROKERS")
    else:
        bootstraps = {(f"{k}-kafka-bootstrap", listener["port"]) for k, kafka in kafkas.items()
                      for listener in kafka["spec"]["kafka"].get("listeners", [])}
        brokers = cm["data"]["COURIER_BROKERS"]
        for item in brokers.split(","):
            host, _, port = item.strip().rpartition(":")
            # The Service's name, in the same namespace or qualified with it.
            host = re.sub(r"\.[a-z0-9-]+(\.svc(\.cluster\.local)?)?$", "", host)
            if not port.isdigit() or (host, int(port)) not in bootstraps:
                report.fail(f"deploy/{STRIMZI_STORE}: COURIER_BROKERS={brokers}, want a bootstrap Service of "
                            f"deploy/strimzi: {sorted(f'{h}:{p}' for h, p in bootstraps)}")
        configured = cm["data"].get("COURIER_TOPIC_PARTITIONS")
        distinct = set(partitions.values())
        if configured is None or distinct != {int(configured)}:
            report.fail(f"deploy/{STRIMZI_STORE}: COURIER_TOPIC_PARTITIONS={configured}, the KafkaTopics have "
                        f"{sorted(distinct)} partitions")
    report.done(f"{len(topics)} topics on {', '.join(kafkas) or 'no Kafka'}")
    return partitions


def check_docs(report: Report, rendered: dict[str, list[dict]], repo: Path) -> None:
    report.start("(i) docs/deployment.md names the Secrets to create and every kustomization")
    doc = repo / "docs" / "deployment.md"
    if not doc.is_file():
        report.fail("docs/deployment.md is missing")
        return
    text = doc.read_text()
    needed: set[tuple[str, str]] = set()
    for rel, objects in rendered.items():
        if rel in DEV_ONLY:
            continue
        for service in SERVICES:
            d = store_deployment(objects, service)
            if d is None:
                continue
            env, _ = effective_env(store_container(d, service), objects)
            for source, _value in env.values():
                if source.startswith("secret:"):
                    needed.add(tuple(source[len("secret:"):].split("/", 1)))
    for name, key in sorted(needed):
        if name not in text or key not in text:
            report.fail(f"docs/deployment.md does not say to create Secret {name} with key {key}")
    for rel in rendered:
        if f"deploy/{rel}" not in text:
            report.fail(f"docs/deployment.md does not mention deploy/{rel}")
    report.done(f"{len(needed)} Secrets")


def read_programs(report: Report, bins: dict[str, str], repo: Path) -> tuple[dict[str, set[str]], set[str]]:
    """The environment each service reads (its --help), and the OTEL_* names courier's tracing reads."""
    report.start("programs: the services' --help (the environment they read)")
    helps: dict[str, set[str]] = {}
    for name, path in bins.items():
        if not os.access(path, os.X_OK):
            report.fail(f"{name} is not built at {path}: build it first (ninja -C <build dir> {name})")
            continue
        out = subprocess.run([path, "--help"], capture_output=True, text=True)
        names = set(ENV_IN_HELP.findall(out.stdout))
        if out.returncode != 0 or not names:
            report.fail(f"{name} --help exited {out.returncode} and listed no [env NAME]")
        helps[name] = names
    for service in SERVICES:
        if f"courier-{service}" not in bins:
            report.fail(f"no --bin courier-{service}=PATH given")
    source = repo / TRACING_ENV_SOURCE
    otel_known = set(re.findall(r'"(OTEL_[A-Z0-9_]+)"', source.read_text())) if source.is_file() else set()
    if not otel_known:
        report.fail(f"cannot read the OTEL_* names courier's tracing reads from {TRACING_ENV_SOURCE}")
    report.done(", ".join(f"{n}: {len(v)} variables" for n, v in helps.items()))
    return helps, otel_known


# ------------------------------------------------------------------------------------- main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=HERE.parent)
    parser.add_argument("--bin", action="append", default=[], metavar="NAME=PATH",
                        help="a built service program, e.g. courier-order=build/services/order/courier-order")
    args = parser.parse_args()
    repo = args.repo.resolve()
    deploy_dir = repo / "deploy"
    versions = tool_versions(deploy_dir)
    k8s_versions = versions.get("KUBERNETES_VERSIONS", "").split()

    report = Report()
    kustomize = check_tools(report, versions)

    bins = {}
    for item in args.bin:
        name, sep, path = item.partition("=")
        if not sep:
            parser.error(f"--bin takes NAME=PATH, got {item!r}")
        bins[name] = path
    helps, otel_known = read_programs(report, bins, repo)

    rendered = render_all(report, kustomize, deploy_dir)
    if rendered:
        check_schemas(report, rendered, k8s_versions)
    partitions = check_strimzi(report, rendered, repo) if STRIMZI in rendered else None
    for rel, objects in rendered.items():
        if rel == STRIMZI:
            continue
        report.start(f"(c-g) deploy/{rel}: the three services")
        check_store(report, rel, objects, helps, otel_known, partitions if rel == STRIMZI_STORE else None)
        check_secrets_and_config(report, rel, objects)
        check_overlay(report, rel, objects, repo)
        report.done()
    check_docs(report, rendered, repo)

    if report.failures:
        print(f"\ndeploy check: {len(report.failures)} failure(s) (each above with its fix)")
        return 1
    print(f"\ndeploy check: all checks passed ({len(rendered)} kustomizations)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
