#!/usr/bin/python3
"""Appends one measurement to a JSON-lines file, for bench/compare.sh (standard library only).

    record.py OUT.jsonl SYSTEM RECORDS TIME_FILE STDOUT_FILE EXIT_CODE [key=value ...]

TIME_FILE is what `/usr/bin/time -v -o` wrote; STDOUT_FILE's last line that parses as a JSON object is kept as "app";
key=value pairs (numbers where they parse, or JSON files named by @path) are added as they are.
"""
import json
import sys


def parse_time(path):
    out = {}
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return out
    for line in lines:
        key, _, value = line.strip().rpartition(": ")
        if key == "User time (seconds)":
            out["user_s"] = float(value)
        elif key == "System time (seconds)":
            out["sys_s"] = float(value)
        elif key.startswith("Elapsed (wall clock) time"):
            parts = [float(p) for p in value.split(":")]
            seconds = 0.0
            for p in parts:
                seconds = seconds * 60 + p
            out["wall_s"] = seconds
        elif key == "Maximum resident set size (kbytes)":
            out["max_rss_mb"] = int(value) / 1024.0
    if "user_s" in out and "sys_s" in out:
        out["cpu_s"] = out["user_s"] + out["sys_s"]
    return out


def last_json(path):
    try:
        lines = open(path, errors="replace").read().splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return None


def value(text):
    if text.startswith("@"):
        try:
            return json.load(open(text[1:]))
        except (OSError, ValueError):
            return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def main(argv):
    out, system, records, time_file, stdout_file, code = argv[:6]
    entry = {"system": system, "records": int(records), "exit_code": int(code)}
    entry.update(parse_time(time_file))
    entry["app"] = last_json(stdout_file)
    err_file = stdout_file[:-4] + ".err" if stdout_file.endswith(".out") else None
    try:
        with open(err_file, errors="replace") as f:
            entry["stderr_tail"] = f.read()[-400:]
    except (OSError, TypeError):
        pass
    for pair in argv[6:]:
        key, _, text = pair.partition("=")
        entry[key] = value(text)
    with open(out, "a") as f:
        f.write(json.dumps(entry) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
