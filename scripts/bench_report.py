#!/usr/bin/env python3
"""Merges Google Benchmark JSON files into one and renders it as a Markdown table.

    bench_report.py --command "scripts/bench" --json out.json --markdown out.md a.json b.json

Each input is one benchmark binary's --benchmark_out file; its benchmarks keep their
fields and gain "suite" (the file name without .json). Standard library only.
"""
import argparse
import json
import os
import sys

# Fields Google Benchmark writes for every run; everything else is a user counter.
STANDARD = {
    "name", "family_index", "per_family_instance_index", "run_name", "run_type",
    "repetitions", "repetition_index", "threads", "iterations", "real_time", "cpu_time",
    "time_unit", "label", "error_occurred", "error_message", "aggregate_name",
    "aggregate_unit", "suite", "items_per_second", "bytes_per_second",
}


def human(value):
    """1234567 -> 1.23M; small values keep a few significant digits."""
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.3g}{suffix}"
    if value == int(value):
        return str(int(value))
    return f"{value:.3g}"


def number(value):
    """Four significant digits, thousands grouped instead of an exponent."""
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"


def counters(bench):
    parts = []
    if "items_per_second" in bench:
        parts.append(f"items/s={human(bench['items_per_second'])}")
    if "bytes_per_second" in bench:
        parts.append(f"bytes/s={human(bench['bytes_per_second'])}")
    for key, value in bench.items():
        if key in STANDARD or not isinstance(value, (int, float)):
            continue
        parts.append(f"{key}={human(value)}")
    return ", ".join(parts)


def markdown(merged):
    ctx = merged.get("context", {})
    lines = [
        "# stayaway micro benchmarks",
        "",
        f"Command: `{merged['command']}` (results of every binary in bench/, merged).",
        f"Machine: {ctx.get('num_cpus', '?')} CPUs at {ctx.get('mhz_per_cpu', '?')} MHz, "
        f"load average {', '.join(f'{x:.2f}' for x in ctx.get('load_avg', []))}; "
        f"run {ctx.get('date', '?')}. stayaway is built Release (Debian's Google Benchmark "
        f"library calls itself a {ctx.get('library_build_type', '?')} build; it times our code "
        "the same).",
        "Rates ending in _per_s are per core (CPU time) except where the benchmark says it "
        "uses real time (journal, recovery).",
        "",
    ]
    suite = None
    for bench in merged["benchmarks"]:
        if bench["suite"] != suite:
            suite = bench["suite"]
            lines += ["", f"## {suite}", "",
                      "| benchmark | time | CPU | iterations | counters |",
                      "|---|---:|---:|---:|---|"]
        if bench.get("error_occurred"):
            lines.append(f"| {bench['name']} | error: {bench.get('error_message', '')} | | | |")
            continue
        unit = bench.get("time_unit", "ns")
        lines.append(
            f"| {bench['name']} | {number(bench['real_time'])} {unit} | {number(bench['cpu_time'])} {unit} "
            f"| {bench['iterations']} | {counters(bench)} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--command", required=True, help="the command that produced the results")
    parser.add_argument("--json", required=True, help="merged JSON output")
    parser.add_argument("--markdown", required=True, help="Markdown table output")
    parser.add_argument("inputs", nargs="+", help="Google Benchmark JSON files")
    args = parser.parse_args()

    merged = {"command": args.command, "context": None, "benchmarks": []}
    for path in args.inputs:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if merged["context"] is None:
            merged["context"] = data.get("context", {})
        suite = os.path.splitext(os.path.basename(path))[0]
        for bench in data.get("benchmarks", []):
            bench["suite"] = suite
            merged["benchmarks"].append(bench)
    if not merged["benchmarks"]:
        sys.exit("bench_report.py: no benchmark results in the inputs")
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(merged, f, indent=1)
        f.write("\n")
    with open(args.markdown, "w", encoding="utf-8") as f:
        f.write(markdown(merged))


if __name__ == "__main__":
    main()
