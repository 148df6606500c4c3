#!/usr/bin/env python3
"""Merges the results of one scripts/bench run into bench/results/latest.json and
bench/results/latest.md: the micro benchmarks (micro.json/md) and the end-to-end run
with its peers (e2e.json/md), with the machine and the command that produced them.
Standard library only."""
import argparse
import datetime
import json
import os
import platform


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu_model": model, "kernel": platform.release(),
            "load_average": list(os.getloadavg())}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", default="bench/results")
    parser.add_argument("--command", required=True)
    args = parser.parse_args()
    parts = {}
    markdown = []
    for name in ("micro", "e2e"):
        path = os.path.join(args.results, name + ".json")
        if os.path.exists(path):
            with open(path) as f:
                parts[name] = json.load(f)
            md = os.path.join(args.results, name + ".md")
            if os.path.exists(md):
                with open(md) as f:
                    markdown.append(f.read())
    latest = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "command": args.command, "machine": machine(), **parts}
    with open(os.path.join(args.results, "latest.json"), "w") as f:
        json.dump(latest, f, indent=1)
        f.write("\n")
    m = latest["machine"]
    header = ("# stayaway benchmarks\n\nCommand: `%s`, %s. Machine: %s CPUs (%s), load average "
              "%s at the end; the machine is shared, so compare ratios within one run.\n\n" %
              (args.command, latest["date"], m["cpus"], m["cpu_model"] or "unknown model",
               ", ".join("%.2f" % x for x in m["load_average"])))
    with open(os.path.join(args.results, "latest.md"), "w") as f:
        f.write(header + "\n\n".join(markdown))
    print("wrote %s/latest.json and %s/latest.md" % (args.results, args.results))


if __name__ == "__main__":
    main()
