#!/usr/bin/env python3
"""Bulk loading of orders (POST /v1/orders with a JSON array) against a running stayawayd.

Loads --orders orders in requests of --per-request (each under the API's 1 MiB body bound),
checks every per-order result is 201, and prints the wall time and orders per second.
Appends one JSON line to bench/results/bulk_orders.jsonl when --record is given.

  python3 bench/bulk_orders.py --url http://127.0.0.1:7380 --token "$STAYAWAY_TOKEN" \
      --orders 10000 --record
"""
import argparse
import json
import os
import platform
import time
import urllib.request


def order(i, prefix):
    return {
        "id": f"{prefix}-{i}",
        "version": 1,
        "state": "active",
        "case_reference": f"case-{i}",
        "supervised": {"id": f"{prefix}-s{i}", "devices": [f"{prefix}-tag-{i}"]},
        "protected": [{"id": f"{prefix}-v{i}", "devices": [f"{prefix}-phone-{i}"],
                       "relation": "victim"}],
        "violation_distance_m": 300,
        "warning_distance_m": 800,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:7380")
    ap.add_argument("--token", default=os.environ.get("STAYAWAY_TOKEN", ""))
    ap.add_argument("--orders", type=int, default=10000)
    ap.add_argument("--per-request", type=int, default=2500)
    ap.add_argument("--prefix", default="BENCH-%d" % int(time.time()))
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()

    bodies = []
    for start in range(0, args.orders, args.per_request):
        chunk = [order(i, args.prefix) for i in range(start, min(args.orders, start + args.per_request))]
        bodies.append(json.dumps(chunk).encode())
    created = 0
    began = time.monotonic()
    for body in bodies:
        req = urllib.request.Request(args.url + "/v1/orders", data=body, method="POST", headers={
            "Authorization": "Bearer " + args.token, "Content-Type": "application/json"})
        with urllib.request.urlopen(req) as resp:
            answer = json.load(resp)
        bad = [r for r in answer["results"] if r["status"] != 201]
        if bad:
            raise SystemExit("refused: %s" % bad[:3])
        created += answer["created"]
    seconds = time.monotonic() - began
    result = {"bench": "bulk_orders", "orders": created, "requests": len(bodies),
              "seconds": round(seconds, 3), "orders_per_second": round(created / seconds),
              "host": platform.node(), "cpus": os.cpu_count(),
              "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    print(json.dumps(result))
    if args.record:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "bulk_orders.jsonl")
        with open(path, "a") as out:
            out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
