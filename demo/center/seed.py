#!/usr/bin/env python3
"""Loads the demo center into a running fieldcase-server and syncs one real inspection to it.

What it makes (all through the public API and the `fieldcase` device CLI, nothing behind the
server's back):
  - the roster, enterprises and users of demo/electroplating and demo/center;
  - the electroplating demo's tasks for team T1;
  - a device enrolled for 张伟 (U-ZHANG) that pulls its tasks, then — while the center cancels
    task T-2026-1123-01 — runs the whole demo inspection on it offline and syncs: the case
    arrives complete, and the cancelled-versus-worked task status waits as conflicts;
  - fresh one-time enrollment codes for the center clerk 王芳 (U-CLERK) to sign in to the pages.

Usage: seed.py --server URL --admin-token TOKEN --cli PATH --forms DIR --work DIR [--codes N]
               [--ca CERT.pem]
With --ca (an https:// center with its own certificate, as `./dev run` serves), the calls here
and the device trust that certificate only.
Prints one JSON line: {"case_id", "clerk_codes": [...], "inspector_code", "conflicts"}.
Standard library only (it runs on a fresh Debian with python3)."""

import argparse
import json
import os
import shutil
import ssl
import subprocess
import sys
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.dirname(HERE)


def main():
    a = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    a.add_argument("--server", required=True)
    a.add_argument("--admin-token", required=True)
    a.add_argument("--cli", required=True)
    a.add_argument("--forms", required=True)
    a.add_argument("--work", required=True, help="a folder for the device store and demo files")
    a.add_argument("--codes", type=int, default=3)
    a.add_argument("--ca", help="the center's TLS certificate (PEM), trusted instead of the system's roots")
    args = a.parse_args()
    tls = ssl.create_default_context(cafile=args.ca) if args.ca else None

    def call(method, path, body=None):
        req = urllib.request.Request(
            args.server + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Authorization": "Bearer " + args.admin_token,
                "Content-Type": "application/json",
                "fieldcase-protocol": "1",
            },
        )
        try:
            return json.load(urllib.request.urlopen(req, context=tls))
        except urllib.error.HTTPError as e:
            sys.exit(f"{method} {path}: {e.code} {e.read().decode()}")

    def load(name):
        with open(os.path.join(DEMO, name), encoding="utf-8") as f:
            return json.load(f)

    reference = load("electroplating/reference.json")
    call("POST", "/v1/officers", reference["officers"] + load("center/officers.json"))
    call("POST", "/v1/enterprises", reference["enterprises"] + load("center/enterprises.json"))
    for user in load("center/users.json"):
        call("POST", "/v1/admin/users", user)
    for t in reference["tasks"]:
        t["team"] = "T1"
    call("POST", "/v1/tasks", reference["tasks"])

    os.makedirs(args.work, exist_ok=True)
    store = os.path.join(args.work, "device-zhang")
    shutil.rmtree(store, ignore_errors=True)
    device = [args.cli, "--store", store, "--forms", args.forms]

    def run(*more, capture=True):
        r = subprocess.run(device + list(more), capture_output=capture, text=True)
        if r.returncode != 0:
            sys.exit(f"fieldcase {' '.join(more)}: {r.stderr or r.stdout}")
        return r.stdout

    code = call("POST", "/v1/admin/enrollment-codes", {"user_id": "U-ZHANG"})["code"]
    run("enroll", "--server", args.server, "--code", code, *(["--ca", args.ca] if args.ca else []))
    run("sync")
    # The center cancels the task the device has already pulled; the device works it offline.
    call("PATCH", "/v1/tasks/T-2026-1123-01", {"field": "status", "value": "cancelled", "seen": 1 << 62})
    demo = os.path.join(args.work, "demo-electroplating")
    shutil.rmtree(demo, ignore_errors=True)
    shutil.copytree(os.path.join(DEMO, "electroplating"), demo)
    scenario_path = os.path.join(demo, "scenario.json")
    with open(scenario_path, encoding="utf-8") as f:
        scenario = json.load(f)
    scenario.pop("import", None)  # the device has its reference data from the center
    with open(scenario_path, "w", encoding="utf-8") as f:
        json.dump(scenario, f, ensure_ascii=False)
    out = run("run", scenario_path)
    case_id = next(l.split()[1] for l in out.splitlines() if l.startswith("case "))
    run("sync")

    clerk = [call("POST", "/v1/admin/enrollment-codes", {"user_id": "U-CLERK"})["code"] for _ in range(args.codes)]
    inspector = call("POST", "/v1/admin/enrollment-codes", {"user_id": "U-LI"})["code"]
    conflicts = call("GET", "/v1/conflicts?open=true")
    print(json.dumps({
        "case_id": case_id,
        "clerk_codes": clerk,
        "inspector_code": inspector,
        "conflicts": len(conflicts),
        "device_store": store,
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
