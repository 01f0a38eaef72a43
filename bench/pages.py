# ruff: noqa: RUF001  (the table writes ratios with a multiplication sign, as the issue does)
"""Load on a running server, and the table of results: the page/API benchmark of .ci/bench-pages.

    python bench/pages.py measure --port 8766 --targets targets.json --label cached --results results.jsonl
    python bench/pages.py report results.jsonl

`measure` runs wrk (or, without wrk, a small threaded client) against each target and the floor
(/robots.txt) in turn, BENCH_ROUNDS times for BENCH_SECONDS each with BENCH_CONNECTIONS connections,
then the same targets with the ETag they answered in If-None-Match (the 304 rows). After each URL it
waits until the server has finished every request still queued, so a slow page does not slow the next.
No Django here: it only speaks HTTP to 127.0.0.1.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import threading
import time
import urllib.error
import urllib.request

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
IDLE_LIMIT = 300  # seconds the server may take to finish what a run left queued
BUSY_STATES = {"01", "03", "08"}  # ESTABLISHED, SYN_RECV, CLOSE_WAIT (in /proc/net/tcp)

PAGES = ["home", "term", "week", "paper", "presenter", "tag"]
LABELS = {
    "cached": "Large archive, page cache on (warmed)",
    "uncached": "Large archive, PAGE_CACHE=0",
    "demo": "Demo data, PAGE_CACHE=0",
}


# Measuring ------------------------------------------------------------------------------------------


def fetch(port: int, path: str, headers: dict | None = None) -> dict:
    """One GET alone: status, body bytes (not compressed: no Accept-Encoding), ETag, milliseconds taken."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status, body, etag = response.status, response.read(), response.headers.get("ETag", "")
    except urllib.error.HTTPError as error:  # 304 and errors arrive here
        status, body, etag = error.code, error.read(), error.headers.get("ETag", "")
    return {
        "status": status,
        "bytes": len(body),
        "etag": etag,
        "alone": (time.perf_counter() - started) * 1000,
    }


def fetch_thrice(port: int, path: str, headers: dict | None = None) -> dict:
    """The last answer, with the median time alone; this also warms the page cache and the workers."""
    answers = [fetch(port, path, headers) for _ in range(3)]
    return answers[-1] | {"alone": statistics.median(answer["alone"] for answer in answers)}


def wrk_load(port: int, path: str, headers: dict) -> dict:
    command = ["wrk", "--latency", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--timeout", "120s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout

    def latency(percent: str) -> float:
        found = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        return float(found[1]) * {"us": 1e-3, "ms": 1, "s": 1e3, "m": 6e4}[found[2]] if found else 0.0

    refused = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    timeouts = re.search(r"timeout (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": (int(refused[1]) if refused else 0) + (int(timeouts[1]) if timeouts else 0),
    }


def python_load(port: int, path: str, headers: dict) -> dict:
    """wrk's job in threads with kept-alive connections: enough to compare URLs, not to find a limit."""
    deadline = time.monotonic() + SECONDS
    latencies, errors = [], []

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status >= 400:
                errors.append(response.status)
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(CONNECTIONS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()

    def percentile(share: float) -> float:
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] if latencies else 0.0

    return {
        "rps": len(latencies) / (time.monotonic() - started),
        "p50": percentile(0.5),
        "p99": percentile(0.99),
        "errors": len(errors),
    }


def wait_until_idle(port: int) -> None:
    """Until no connection to the server is open or queued (requests the load left behind finish)."""
    deadline = time.monotonic() + IDLE_LIMIT
    while time.monotonic() < deadline:
        busy = 0
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            if not os.path.exists(table):
                continue
            with open(table) as lines:
                for line in list(lines)[1:]:
                    local, _, state = line.split()[1:4]
                    busy += int(local.rsplit(":", 1)[1], 16) == port and state in BUSY_STATES
        if not busy:
            return
        time.sleep(0.2)


def peak_worker_rss_kb(master: int) -> int:
    """The largest VmHWM (peak resident memory) among the master's children, the workers."""
    peak = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            if parent != master:
                continue
            with open(f"/proc/{pid}/status") as status:
                found = re.search(r"VmHWM:\s+(\d+) kB", status.read())
        except (FileNotFoundError, ProcessLookupError):
            continue
        peak = max(peak, int(found[1]) if found else 0)
    return peak


def measure(port: int, targets: dict[str, str], label: str, results: str, master: int | None) -> None:
    load = wrk_load if shutil.which("wrk") else python_load
    runs = []  # (name, headers, what one request alone answered)
    for name, path in targets.items():
        runs.append((name, {}, fetch_thrice(port, path)))
    for name, _, answer in list(runs):
        if answer["etag"] and name != "floor":
            headers = {"If-None-Match": answer["etag"]}
            runs.append((name, headers, fetch_thrice(port, targets[name], headers)))
    with open(results, "a") as out:
        for round_number in range(1, ROUNDS + 1):
            for name, headers, answer in runs:
                result = load(port, targets[name], headers)
                wait_until_idle(port)
                record = {"label": label, "name": name, "path": targets[name], "conditional": bool(headers)}
                record |= {"round": round_number, "seconds": SECONDS, **answer, **result}
                out.write(json.dumps(record) + "\n")
                out.flush()
                print(
                    f"  {label} round {round_number}: {name}{' 304' * bool(headers)} {result['rps']:.1f} req/s"
                )
        conditional = {name for name, headers, _ in runs if headers}
        missing = [name for name in targets if name != "floor" and name not in conditional]
        rss = peak_worker_rss_kb(master) if master else 0
        out.write(json.dumps({"label": label, "no_etag": missing, "rss_kb": rss}) + "\n")


# Reporting ------------------------------------------------------------------------------------------


def target(label: str, name: str, conditional: bool, ratio: float, size: int) -> str:
    """The issue's target for this row, with ✓ or ✗; empty when the row has none."""
    if label == "demo":
        return ""
    checks = []
    if conditional:
        checks.append(("≥ 0.5×", ratio >= 0.5))
    elif name == "search":
        checks.append(("≥ 0.05×", ratio >= 0.05))
    elif name == "api weeks":
        checks += [("≥ 0.05×", ratio >= 0.05), ("< 150 KB", size < 150_000)]
    elif label == "cached" and name in PAGES:
        checks.append(("≥ 0.7×", ratio >= 0.7))
    elif label == "uncached" and name == "week":
        checks.append(("≥ 0.1×", ratio >= 0.1))
    elif label == "uncached" and name == "term":
        checks.append(("≥ 0.05×", ratio >= 0.05))
    return ", ".join(f"{text} {'✓' if met else '✗'}" for text, met in checks)


def summarise(records: list[dict]) -> dict:
    """Per (label, name, conditional): medians over rounds; each round's ratio is to that round's floor.

    A round in which no request finished counts as one request (an upper bound), and the row is
    marked `below` when that is its median.
    """
    floors = {(r["label"], r["round"]): r["rps"] for r in records if r["name"] == "floor"}
    rows = {}
    for record in records:
        rows.setdefault((record["label"], record["name"], record["conditional"]), []).append(record)
    summary = {}
    for key, rounds in rows.items():
        rates = [r["rps"] or 1 / r["seconds"] for r in rounds]
        ratios = [rate / floors[(r["label"], r["round"])] for rate, r in zip(rates, rounds, strict=True)]
        summary[key] = rounds[-1] | {
            "below": statistics.median(r["rps"] for r in rounds) == 0,
            "rps": statistics.median(rates),
            "ratio": statistics.median(ratios),
            "p50": statistics.median(r["p50"] for r in rounds),
            "p99": statistics.median(r["p99"] for r in rounds),
            "errors": sum(r["errors"] for r in rounds),
        }
    return summary


def milliseconds(value: float) -> str:
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f} ms"


def times(ratio: float) -> str:
    """A ratio to the floor: three decimals, or two significant digits when smaller (0.00012)."""
    return f"{ratio:.3f}" if ratio >= 0.01 else f"{ratio:.2g}"


def report(path: str) -> None:
    with open(path) as lines:
        entries = [json.loads(line) for line in lines if line.strip()]
    summary = summarise([entry for entry in entries if "round" in entry])
    extras = {entry["label"]: entry for entry in entries if "rss_kb" in entry}
    met = missed = 0
    for label, title in LABELS.items():
        keys = sorted(
            (key for key in summary if key[0] == label), key=lambda key: (key[2], key[1] != "floor")
        )
        if not keys:
            continue
        print(f"\n### {title}\n")
        print("| URL | req/s | × floor | p50 | p99 | alone | bytes | status | target |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
        for key in keys:
            row, (_, name, conditional) = summary[key], key
            note = target(label, name, conditional, row["ratio"], row["bytes"])
            if row["status"] != (304 if conditional else 200) or row["errors"]:
                note = f"{note} ✗ answered {row['status']}, {row['errors']} errors".strip()
            met, missed = met + note.count("✓"), missed + note.count("✗")
            below = "< " if row["below"] else ""
            latency = "—" if row["below"] else milliseconds(row["p50"])
            print(
                f"| {name}{' (If-None-Match)' if conditional else ''} `{row['path']}` | {below}{row['rps']:,.1f} "
                f"| {below}{times(row['ratio'])} | {latency} | {'—' if row['below'] else milliseconds(row['p99'])} "
                f"| {milliseconds(row['alone'])} | {row['bytes']:,} | {row['status']} | {note} |"
            )
        extra = extras.get(label, {})
        if extra.get("rss_kb"):
            print(f"\nPeak RSS of a gunicorn worker (VmHWM): {extra['rss_kb'] / 1024:.0f} MB.")
        if extra.get("no_etag"):
            print(f"No ETag, so no 304 row: {', '.join(extra['no_etag'])}.")

    growth = [
        (key, summary[("demo", *key[1:])], row)
        for key, row in summary.items()
        if key[0] == "uncached" and key[1] != "floor" and ("demo", *key[1:]) in summary
    ]
    if growth:
        print("\n### Growth from the demo data to the large archive (PAGE_CACHE=0): time per request\n")
        print("Time per request relative to the floor's in the same run: (demo × floor) / (large × floor).\n")
        print("| URL | demo × floor | large × floor | growth | target ≤ 2× |")
        print("| --- | ---: | ---: | ---: | --- |")
        for (_, name, conditional), demo, large in sorted(growth, key=lambda item: item[0][2]):
            factor = demo["ratio"] / large["ratio"]
            met, missed = met + (factor <= 2), missed + (factor > 2)
            more = "> " if large["below"] else ""
            print(
                f"| {name}{' (If-None-Match)' if conditional else ''} | {times(demo['ratio'])} "
                f"| {'< ' if large['below'] else ''}{times(large['ratio'])} | {more}{factor:,.1f}× "
                f"| {'✓' if factor <= 2 else '✗'} |"
            )
    print(f"\nTargets met: {met} of {met + missed}.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    measuring = commands.add_parser("measure")
    measuring.add_argument("--port", type=int, required=True)
    measuring.add_argument("--targets", required=True, help="JSON: name -> path (bench/targets.py)")
    measuring.add_argument("--label", choices=LABELS, required=True)
    measuring.add_argument("--results", required=True, help="JSON lines, appended to")
    measuring.add_argument("--server-pid", type=int, help="gunicorn's master, for the workers' peak memory")
    reporting = commands.add_parser("report")
    reporting.add_argument("results")
    arguments = parser.parse_args()
    if arguments.command == "report":
        report(arguments.results)
    else:
        with open(arguments.targets) as file:
            targets = json.load(file)
        measure(arguments.port, targets, arguments.label, arguments.results, arguments.server_pid)
