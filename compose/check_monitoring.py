#!/usr/bin/env python3
"""Check compose/'s Prometheus rules, their unit tests, the Prometheus config and the Grafana dashboard.

Usage: check_monitoring.py [--repo DIR] [--promtool PATH]

CTest runs it as compose_prometheus_check (label unit; no server needed, about 2 s):
  1. promtool check rules compose/prometheus/alerts.yml
  2. promtool test rules compose/prometheus/alerts_test.yml (each alert fires on its series, and
     stays silent on the ones that must not fire)
  3. promtool check config compose/prometheus/prometheus.yml (it loads alerts.yml)
  4. promtool check metrics < compose/testdata/contract.prom (the metric contract as an exposition)
  5. every target expr of compose/grafana/dashboards/*.json parses as PromQL (promtool check rules
     on a generated file, Grafana's $variables replaced by values)
  6. check_metric_refs.py --self-test (the PromQL name scanner)
  7. check_metric_refs.py compose/testdata/contract.prom: every name the rules and the dashboard
     use is in the contract
  8. and it fails, naming them, for names outside the contract: testdata/unknown_metric_rules.yml
     and unknown_metric_dashboard.json, and the real files against the contract less one family.

promtool is Debian's `prometheus` package (scripts/apt-packages.txt; scripts/setup installs it); a
missing promtool is a failure, never a skip. Exit 0 when all pass, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


class Report:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def ok(self, name: str, detail: str = "") -> None:
        self.passed += 1
        print(f"ok   {name}" + (f" ({detail})" if detail else ""))

    def fail(self, name: str, message: str) -> None:
        self.failed += 1
        print(f"FAIL {name}: {message}")


def run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, **kwargs)


def output_of(result: subprocess.CompletedProcess) -> str:
    return (result.stdout + result.stderr).strip()


def indent(text: str) -> str:
    return "    " + text.replace("\n", "\n    ")


def find_promtool(explicit: str | None) -> str | None:
    for candidate in (explicit, os.environ.get("COURIER_PROMTOOL"), shutil.which("promtool"), "/usr/bin/promtool"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def promtool_step(report: Report, name: str, argv: list[str], stdin: str | None = None) -> None:
    result = run(argv, input=stdin)
    if result.returncode != 0:
        report.fail(name, f"`{' '.join(argv[1:])}` exited {result.returncode}:\n{indent(output_of(result))}")
        return
    summary = [line.strip() for line in output_of(result).splitlines() if "SUCCESS" in line]
    report.ok(name, "; ".join(summary))


GRAFANA_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)(?::\w+)?\]\]")


def substitute_grafana_variables(expr: str) -> str:
    """An expr as Grafana sends it: interval variables become durations, the others a regex."""
    def value(m: re.Match) -> str:
        name = m.group(1) or m.group(2) or m.group(3)
        return "1m" if name.startswith("__") else ".*"
    return GRAFANA_VARIABLE.sub(value, expr)


def dashboard_exprs(path: Path) -> list[tuple[str, str]]:
    doc = json.loads(path.read_text())
    out = []

    def panels(items):
        for panel in items or []:
            yield panel
            yield from panels(panel.get("panels"))
    for panel in panels(doc.get("panels")):
        for target in panel.get("targets") or []:
            if target.get("expr"):
                out.append((f"panel {panel.get('title')!r} (id {panel.get('id')}) target {target.get('refId')}",
                            target["expr"]))
    return out


def check_dashboard_promql(report: Report, promtool: str, dashboards: list[Path], tmp: Path) -> None:
    name = "dashboard exprs parse as PromQL"
    if not dashboards:
        report.fail(name, "no dashboard JSON in compose/grafana/dashboards/")
        return
    rules, where = [], {}
    for path in dashboards:
        try:
            exprs = dashboard_exprs(path)
        except (OSError, json.JSONDecodeError) as err:
            report.fail(name, f"{path}: {err}")
            return
        for i, (place, expr) in enumerate(exprs):
            record = f"dashboard:{re.sub(r'[^a-zA-Z0-9_]', '_', path.stem)}:expr{i}"
            where[record] = f"{path.name}: {place}"
            rules.append({"record": record, "expr": substitute_grafana_variables(expr)})
    generated = tmp / "dashboard_exprs.rules.json"  # JSON is YAML
    generated.write_text(json.dumps({"groups": [{"name": "dashboard", "rules": rules}]}, indent=1))
    result = run([promtool, "check", "rules", str(generated)])
    if result.returncode != 0:
        text = output_of(result)
        text = re.sub(r"dashboard:\w+:expr\d+", lambda m: f"{m.group(0)} [{where.get(m.group(0), '?')}]", text)
        report.fail(name, f"promtool rejects a dashboard expr:\n{indent(text)}")
        return
    report.ok(name, f"{len(rules)} exprs in {len(dashboards)} dashboard(s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--promtool", help="promtool to use (default: $COURIER_PROMTOOL, PATH, /usr/bin/promtool)")
    args = parser.parse_args()
    compose = args.repo.resolve() / "compose"
    prom_dir = compose / "prometheus"
    contract = compose / "testdata" / "contract.prom"
    refs = [sys.executable, str(compose / "check_metric_refs.py")]
    dashboards = sorted((compose / "grafana" / "dashboards").glob("*.json"))
    report = Report()

    promtool = find_promtool(args.promtool)
    if promtool is None:
        report.fail("promtool", "promtool is not installed. It is in Debian's prometheus package, listed in "
                    "scripts/apt-packages.txt: run scripts/setup (or apt-get install prometheus)")
    else:
        version = output_of(run([promtool, "--version"])).splitlines()[:1]
        report.ok("promtool", f"{promtool}: {version[0] if version else 'unknown version'}")
        promtool_step(report, "promtool check rules alerts.yml",
                      [promtool, "check", "rules", str(prom_dir / "alerts.yml")])
        # test rules resolves rule_files against the test file's directory.
        promtool_step(report, "promtool test rules alerts_test.yml",
                      [promtool, "test", "rules", str(prom_dir / "alerts_test.yml")])
        promtool_step(report, "promtool check config prometheus.yml",
                      [promtool, "check", "config", str(prom_dir / "prometheus.yml")])
        result = run([promtool, "check", "metrics"], input=contract.read_text())
        if result.returncode != 0:
            report.fail("promtool check metrics < contract.prom", f"problems in {contract}:\n"
                        f"{indent(output_of(result))}")
        else:
            report.ok("promtool check metrics < contract.prom")

    with tempfile.TemporaryDirectory(prefix="courier-monitoring-") as tmp_name:
        tmp = Path(tmp_name)
        if promtool is not None:
            check_dashboard_promql(report, promtool, dashboards, tmp)

        result = run(refs + ["--self-test"])
        if result.returncode != 0:
            report.fail("check_metric_refs --self-test", f"\n{indent(output_of(result))}")
        else:
            report.ok("check_metric_refs --self-test", output_of(result).splitlines()[-1])

        result = run(refs + [str(contract)])
        if result.returncode != 0:
            report.fail("rules and dashboard use only contract names",
                        f"check_metric_refs.py {contract.name} exited {result.returncode}:\n"
                        f"{indent(output_of(result))}")
        else:
            report.ok("rules and dashboard use only contract names", output_of(result).splitlines()[-1])

        # Negative cases: names outside the exposition must fail, each named with where it is used.
        negatives = [
            ("unknown names in a rules file and a dashboard are reported",
             [str(contract), "--rules", str(compose / "testdata" / "unknown_metric_rules.yml"),
              "--dashboard", str(compose / "testdata" / "unknown_metric_dashboard.json")],
             {"courier_outbox_backlog": "alert FixtureBacklogHigh",
              "http_request_duration_bucket": "panel 'Latency' (id 7) target A"}),
        ]
        dropped = "courier_saga_instances"
        trimmed = tmp / "contract-without-saga-instances.prom"
        trimmed.write_text("".join(line + "\n" for line in contract.read_text().splitlines()
                                   if dropped not in line))
        negatives.append((f"the real rules and dashboard fail against the contract less {dropped}",
                          [str(trimmed)], {dropped: "alert CourierSagaNeedsAttention"}))
        for name, argv, expected in negatives:
            result = run(refs + argv)
            text = output_of(result)
            reported = set(re.findall(r"^unknown metric (\S+): used by$", text, re.M))
            problems = []
            if result.returncode != 1:
                problems.append(f"exit code {result.returncode}, want 1")
            if reported != set(expected):
                problems.append(f"reported {sorted(reported)}, want {sorted(expected)}")
            for metric, place in expected.items():
                block = re.search(rf"^unknown metric {re.escape(metric)}: used by\n((?:    .*\n?)+)", text, re.M)
                if not block or place not in block.group(1):
                    problems.append(f"{metric} is not reported as used by {place}")
            if problems:
                report.fail(name, "; ".join(problems) + f"; output:\n{indent(text)}")
            else:
                report.ok(name, ", ".join(sorted(expected)))

    print(f"\ncompose monitoring check: {report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
