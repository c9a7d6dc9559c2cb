#!/usr/bin/env python3
"""Check that every metric the alert rules and the Grafana dashboard use is one the services export.

Usage: check_metric_refs.py [--rules FILE]... [--dashboard FILE]... EXPOSITION_FILE...
       check_metric_refs.py --self-test

EXPOSITION_FILE: Prometheus text exposition, e.g. `curl -s http://127.0.0.1:8083/metrics` of each
service (or compose/testdata/contract.prom, the contract as a file). The known names are the
families of its `# TYPE` lines (a histogram adds NAME_bucket, NAME_sum and NAME_count, a summary
NAME_sum and NAME_count, an OpenMetrics counter NAME_total) and the names of its samples.

Referenced names are found with a PromQL identifier scan over every alert/record `expr` of the
rules files (default compose/prometheus/alerts.yml) and every target `expr` and Prometheus
template-variable query of the dashboards (default compose/grafana/dashboards/*.json). The scan
skips functions and aggregations (an identifier followed by `(`), keywords, label names and
values inside `{...}` (but `{__name__="x"}` names x), label lists after by/without/on/ignoring/
group_left/group_right, durations and numbers, `[...]` ranges, strings, comments and Grafana
variables ($job, ${job}, $__rate_interval). Names the rules files define with `record:` are known;
so are the series Prometheus makes itself (up, scrape_*, ALERTS, ALERTS_FOR_STATE).

Exit 0 when every name is known; 1 listing each unknown name and where it is used; 2 for a usage
error or a file that cannot be read or parsed. --self-test checks the scanner on fixed cases.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_RULES = [REPO / "compose" / "prometheus" / "alerts.yml"]
DEFAULT_DASHBOARDS_DIR = REPO / "compose" / "grafana" / "dashboards"

# Series Prometheus itself adds for every target and for alerting rules.
PROMETHEUS_OWN = {"up", "scrape_duration_seconds", "scrape_samples_scraped",
                  "scrape_samples_post_metric_relabeling", "scrape_series_added", "ALERTS",
                  "ALERTS_FOR_STATE"}

# Keywords that are never metric names (PromQL keywords are case-insensitive).
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
            "offset", "bool", "atan2", "inf", "nan", "start", "end",
            # aggregation operators: `sum by (job) (...)` puts no '(' right after the name
            "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
            "bottomk", "topk", "quantile", "limitk", "limit_ratio"}
# Keywords followed by a parenthesised list of label names.
LABEL_LIST_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}

IDENT = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
NUMBER = re.compile(r"(?:\d|\.\d)[\w.]*")  # 5, 0.05, 1e3, 0x1f, and durations 5m, 1h30m
GRAFANA_VAR = re.compile(r"\$(?:\{[^}]*\}|\w+)|\[\[\w+(?::\w+)?\]\]")


class ScanError(ValueError):
    pass


def _skip_string(text: str, i: int) -> int:
    """Index just past the string literal starting at text[i] (", ' or `)."""
    quote = text[i]
    j = i + 1
    while j < len(text):
        if text[j] == "\\" and quote != "`":
            j += 2
            continue
        if text[j] == quote:
            return j + 1
        j += 1
    raise ScanError(f"unterminated string starting at {text[i:i + 30]!r}")


def _skip_space(text: str, i: int) -> int:
    while i < len(text):
        if text[i].isspace():
            i += 1
        elif text[i] == "#":  # a comment runs to the end of the line
            while i < len(text) and text[i] != "\n":
                i += 1
        else:
            break
    return i


def _scan_matchers(text: str, i: int, names: list[str]) -> int:
    """Skips `{...}` starting at text[i] == '{'; adds the x of a `__name__="x"` matcher."""
    i += 1
    while True:
        i = _skip_space(text, i)
        if i >= len(text):
            raise ScanError("unterminated {...}")
        c = text[i]
        if c == "}":
            return i + 1
        if c == ",":
            i += 1
            continue
        m = IDENT.match(text, i)
        if m:
            label = m.group(0)
            i = _skip_space(text, m.end())
            op = re.match(r"=~|!~|!=|=", text[i:])
            if not op:
                # A bare name inside braces (Prometheus 3 {"metric"} form) is not in 2.x.
                raise ScanError(f"expected a matcher operator after label {label!r}")
            i = _skip_space(text, i + len(op.group(0)))
            if i >= len(text) or text[i] not in "\"'`":
                raise ScanError(f"expected a string after {label}{op.group(0)}")
            end = _skip_string(text, i)
            if label == "__name__" and op.group(0) == "=":
                names.append(GRAFANA_VAR.sub("", text[i + 1:end - 1]) or "")
            i = end
            continue
        if c in "\"'`":
            raise ScanError("Prometheus 3's quoted metric names inside {...} are not supported")
        raise ScanError(f"unexpected {c!r} inside {{...}}")


def metric_names(expr: str) -> list[str]:
    """Metric names an expression selects, in order of appearance (with repeats)."""
    text = GRAFANA_VAR.sub(lambda m: " " if not m.group(0).startswith("$__") else "1m", expr)
    names: list[str] = []
    i = 0
    while True:
        i = _skip_space(text, i)
        if i >= len(text):
            return [n for n in names if n]
        c = text[i]
        if c in "\"'`":
            i = _skip_string(text, i)
        elif c == "{":
            i = _scan_matchers(text, i, names)
        elif c == "[":  # a range or subquery: durations only
            end = text.find("]", i)
            if end < 0:
                raise ScanError("unterminated [...]")
            i = end + 1
        elif NUMBER.match(text, i):
            i = NUMBER.match(text, i).end()
        elif IDENT.match(text, i):
            word = IDENT.match(text, i).group(0)
            i = IDENT.match(text, i).end()
            after = _skip_space(text, i)
            followed_by_paren = after < len(text) and text[after] == "("
            lower = word.lower()
            if lower in LABEL_LIST_KEYWORDS:
                if followed_by_paren:
                    end = text.find(")", after)
                    if end < 0:
                        raise ScanError(f"unterminated label list after {word}")
                    if not re.fullmatch(r"\s*(?:[a-zA-Z_]\w*\s*(?:,\s*)?)*", text[after + 1:end]):
                        raise ScanError(f"{word} (...) holds more than label names: {text[after:end + 1]!r}")
                    i = end + 1
            elif lower in KEYWORDS or followed_by_paren:
                pass  # a keyword, or a function / aggregation name
            else:
                names.append(word)
        else:
            i += 1  # operators, parentheses, commas, @


@dataclass
class Ref:
    name: str
    where: str


def known_names(path: Path) -> set[str]:
    known: set[str] = set()
    families = 0
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("# TYPE "):
            parts = line.split()
            if len(parts) < 4:
                raise ScanError(f"{path}: malformed TYPE line {line!r}")
            name, kind = parts[2], parts[3]
            families += 1
            known.add(name)
            if kind in ("histogram", "gaugehistogram"):
                known |= {name + "_bucket", name + "_sum", name + "_count"}
            elif kind == "summary":
                known |= {name + "_sum", name + "_count"}
            elif kind == "counter" and not name.endswith("_total"):
                known |= {name + "_total", name + "_created"}
        elif line and not line.startswith("#"):
            m = IDENT.match(line)
            if m:
                known.add(m.group(0))
    if families == 0:
        raise ScanError(f"{path}: no `# TYPE` line: is this a Prometheus text exposition (GET /metrics)?")
    return known


def rules_refs(path: Path) -> tuple[list[Ref], set[str]]:
    try:
        import yaml
    except ImportError:
        raise ScanError("PyYAML is missing: apt-get install python3-yaml (scripts/apt-packages.txt)")
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise ScanError(f"{path}: not valid YAML: {err}")
    refs: list[Ref] = []
    recorded: set[str] = set()
    for group in doc.get("groups") or []:
        for rule in group.get("rules") or []:
            what = f"alert {rule['alert']}" if "alert" in rule else f"record {rule.get('record')}"
            if "record" in rule:
                recorded.add(str(rule["record"]))
            try:
                names = metric_names(str(rule.get("expr", "")))
            except ScanError as err:
                raise ScanError(f"{path.name}: {what}: cannot scan expr: {err}")
            refs += [Ref(n, f"{path.name}: {what} (group {group.get('name')})") for n in names]
    return refs, recorded


def _panels(panels: list) -> list:
    out = []
    for panel in panels or []:
        out.append(panel)
        out += _panels(panel.get("panels") or [])  # collapsed rows keep their panels inside
    return out


def template_query_names(query: str) -> list[str]:
    """Names in a Grafana Prometheus variable query (label_values, query_result, metrics)."""
    query = query.strip()
    m = re.fullmatch(r"label_values\((.*),\s*[a-zA-Z_]\w*\s*\)", query, re.S)
    if m:
        return metric_names(m.group(1))
    if re.fullmatch(r"label_values\(\s*[a-zA-Z_]\w*\s*\)|label_names\(.*\)|metrics\(.*\)", query, re.S):
        return []
    m = re.fullmatch(r"query_result\((.*)\)", query, re.S)
    return metric_names(m.group(1) if m else query)


def dashboard_refs(path: Path) -> list[Ref]:
    try:
        doc = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ScanError(f"{path}: not valid JSON: {err}")
    refs: list[Ref] = []
    for panel in _panels(doc.get("panels") or []):
        for target in panel.get("targets") or []:
            expr = target.get("expr")
            if not expr:
                continue
            where = f"{path.name}: panel {panel.get('title')!r} (id {panel.get('id')}) target {target.get('refId')}"
            try:
                refs += [Ref(n, where) for n in metric_names(expr)]
            except ScanError as err:
                raise ScanError(f"{where}: cannot scan expr: {err}")
    for var in (doc.get("templating") or {}).get("list") or []:
        if var.get("type") != "query":
            continue
        query = var.get("query")
        if isinstance(query, dict):
            query = query.get("query", "")
        where = f"{path.name}: variable ${var.get('name')}"
        try:
            refs += [Ref(n, where) for n in template_query_names(str(query or ""))]
        except ScanError as err:
            raise ScanError(f"{where}: cannot scan query: {err}")
    return refs


def self_test() -> int:
    cases = [
        ('up == 0', ["up"]),
        ('sum by (job, topic) (rate(courier_consumer_messages_total{outcome="dead_lettered", '
         'topic=~"store\\\\..*"}[5m])) > 0', ["courier_consumer_messages_total"]),
        ('histogram_quantile(0.99, sum without (instance) (rate(http_request_duration_seconds_bucket'
         '{job=~"$job"}[$__rate_interval])))', ["http_request_duration_seconds_bucket"]),
        ('a_total / on (job, instance) group_left (version) b_info * ignoring(x) c offset 10m',
         ["a_total", "b_info", "c"]),
        ('x unless x offset 1h30m and on(job) (up offset 10m) or vector(0)', ["x", "x", "up"]),
        ('SUM BY (job) (m1) AND BOOL m2 > bool 5e3', ["m1", "m2"]),
        ('{__name__="named_by_matcher", job="order"}', ["named_by_matcher"]),
        ('label_replace(m3, "dst", "$1", "src", "(.*)") # trailing comment with fake_name',
         ["m3"]),
        ('max_over_time(deriv(sum(m4)[10m:1m])[5m:]) @ 1700000000', ["m4"]),
        ('count_values("status", store_orders) + topk(5, m5) + 0x1f + Inf - NaN',
         ["store_orders", "m5"]),
        ('sum(m6) by (saga) / sum(m7) without(step)', ["m6", "m7"]),
        ("m8{route!~'/healthz|/readyz', method=`GET`}", ["m8"]),
        ('job:requests:rate5m > 1', ["job:requests:rate5m"]),
    ]
    failures = 0
    for expr, want in cases:
        try:
            got = metric_names(expr)
        except ScanError as err:
            got = [f"ScanError: {err}"]
        if got != want:
            failures += 1
            print(f"FAIL scan {expr!r}: got {got}, want {want}")
    variable_cases = [("label_values(courier_consumer_lag_messages{job=~\"$job\"}, topic)",
                       ["courier_consumer_lag_messages"]),
                      ("label_values(job)", []),
                      ("query_result(topk(3, m9))", ["m9"])]
    bad_cases = ['m{job="x"', 'rate(m[5m)', 'm{job}', '"open', 'sum by (job (m{a="b"}))']
    for query, want in variable_cases:
        got = template_query_names(query)
        if got != want:
            failures += 1
            print(f"FAIL variable query {query!r}: got {got}, want {want}")
    for bad in bad_cases:
        try:
            metric_names(bad)
            failures += 1
            print(f"FAIL scan {bad!r}: no ScanError")
        except ScanError:
            pass
    total = len(cases) + len(variable_cases) + len(bad_cases)
    print(f"check_metric_refs self-test: {total - failures} passed, {failures} failed")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("expositions", nargs="*", type=Path, metavar="EXPOSITION_FILE")
    parser.add_argument("--rules", action="append", type=Path, metavar="FILE",
                        help="a Prometheus rules file (repeatable; default compose/prometheus/alerts.yml)")
    parser.add_argument("--dashboard", action="append", type=Path, metavar="FILE",
                        help="a Grafana dashboard JSON (repeatable; default compose/grafana/dashboards/*.json)")
    parser.add_argument("--self-test", action="store_true", help="check the PromQL scanner and exit")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    if not args.expositions:
        parser.print_usage(sys.stderr)
        print("check_metric_refs: error: give at least one exposition file (GET /metrics of a service)",
              file=sys.stderr)
        return 2
    rules = args.rules or DEFAULT_RULES
    dashboards = args.dashboard or sorted(DEFAULT_DASHBOARDS_DIR.glob("*.json"))
    if not dashboards and not args.dashboard:
        print(f"check_metric_refs: error: no dashboard in {DEFAULT_DASHBOARDS_DIR}", file=sys.stderr)
        return 2
    try:
        known = set(PROMETHEUS_OWN)
        for path in args.expositions:
            known |= known_names(path)
        refs: list[Ref] = []
        for path in rules:
            found, recorded = rules_refs(path)
            refs += found
            known |= recorded
        for path in dashboards:
            refs += dashboard_refs(path)
    except OSError as err:
        print(f"check_metric_refs: error: {err}", file=sys.stderr)
        return 2
    except ScanError as err:
        print(f"check_metric_refs: error: {err}", file=sys.stderr)
        return 2

    unknown: dict[str, list[str]] = {}
    for ref in refs:
        if ref.name not in known:
            places = unknown.setdefault(ref.name, [])
            if ref.where not in places:
                places.append(ref.where)
    sources = ", ".join(str(p) for p in args.expositions)
    if unknown:
        for name in sorted(unknown):
            print(f"unknown metric {name}: used by")
            for where in unknown[name]:
                print(f"    {where}")
        print(f"check_metric_refs: {len(unknown)} name(s) used by the rules or dashboards are not exported "
              f"({sources}); fix the name, or export it (and add it to compose/testdata/contract.prom)")
        return 1
    used = sorted({r.name for r in refs})
    print(f"check_metric_refs: all {len(used)} metric names in {len(refs)} references are exported "
          f"({len(rules)} rules file(s), {len(dashboards)} dashboard(s); {sources})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
