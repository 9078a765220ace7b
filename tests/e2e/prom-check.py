#!/usr/bin/python3
"""Check a Prometheus text exposition (format 0.0.4) and print its samples.

Usage: prom-check.py FILE.  The text is parsed by python3-prometheus-client's
parser (what node_exporter's textfile collector accepts is the same format),
and each line is checked on its own: comments are HELP or TYPE, every family
has both before its first sample, a series appears once.  On success, prints
one line per sample, "name{label="value",...} value" with labels sorted, for
the tests to compare; on failure, the reason on stderr and exit 1.
"""
import re
import sys

from prometheus_client.parser import text_string_to_metric_families

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*"'
SAMPLE = re.compile(rf"^({NAME})(\{{(?:{LABEL})(?:,{LABEL})*\}})? (-?[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?|NaN|[+-]Inf)$")
COMMENT = re.compile(rf"^# (HELP|TYPE) ({NAME}) (.*)$")


def lines_ok(text):
    helped, typed, seen = set(), set(), set()
    if not text.endswith("\n"):
        return "the text does not end with a newline"
    for n, line in enumerate(text.splitlines(), 1):
        m = COMMENT.match(line)
        if m:
            kind, name, rest = m.groups()
            if kind == "TYPE" and rest not in ("gauge", "counter", "untyped", "summary", "histogram"):
                return f"line {n}: unknown type {rest!r}"
            (helped if kind == "HELP" else typed).add(name)
            continue
        m = SAMPLE.match(line)
        if not m:
            return f"line {n}: not a sample, HELP or TYPE line: {line!r}"
        if m.group(1) not in helped or m.group(1) not in typed:
            return f"line {n}: {m.group(1)} has no HELP and TYPE before its first sample"
        series = m.group(1) + (m.group(2) or "")
        if series in seen:
            return f"line {n}: {series} appears twice"
        seen.add(series)
    return None


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    why = lines_ok(text)
    if why:
        print(f"{sys.argv[1]}: {why}", file=sys.stderr)
        return 1
    try:
        families = list(text_string_to_metric_families(text))
    except Exception as e:  # the parser's own refusal
        print(f"{sys.argv[1]}: prometheus_client refuses it: {e}", file=sys.stderr)
        return 1
    for fam in families:
        for s in fam.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
            value = int(s.value) if s.value == int(s.value) else s.value
            print(f"{s.name}{{{labels}}} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
