#!/usr/bin/env python3
"""Drives a program in a real pseudo-terminal and times its frames (bench/run.mjs uses it).

    ptyrun.py PLAN-JSON -- command [args...]

PLAN-JSON (a string) is {"cols": 160, "rows": 48, "timeout": 20, "steps": [...]}; steps, in order:
  {"do": "first-frame", "expect": "text"}   wait for the first complete frame (containing the text)
  {"do": "exit"}                            wait for the program to exit (time from start to exit)
  {"do": "key", "label": "j", "keys": "j", "times": 20, "gap": 0.05,
   "expect": "text", "absent": "text", "during": "text"}
                                            write the keys, time until a complete frame arrives
                                            (with `expect`/`absent`: the first frame that does /
                                            does not contain that text); `times` repetitions; with
                                            `during`, keys answered by a frame without that text
                                            are filed under "<label> (after)"
  {"do": "send", "keys": "q"}               write the keys, wait for nothing
  {"do": "wait-text", "text": "...", "timeout": 60}   wait for a frame containing the text
  {"do": "sleep", "seconds": 0.5}
  {"do": "mark", "name": "x"}               note the wall-clock time (epoch seconds) under marks.x
  {"do": "rss"}                             VmHWM / VmRSS of the program from /proc/<pid>/status
                                            (with "label": also kept under rssAt.<label>)
Prints one JSON object: {"firstFrameMs", "firstFrameCpuMs" (CPU time the program had used by
then), "exitMs", "cpuMs" (its CPU time, at exit), "keys": {label: [ms...]}, "keyCpu": {label:
{"cpuMs", "keys"}} (CPU the program spent over those keys), "keyBytes": {label: [bytes...]}
(bytes written to the terminal per key, until the screen is quiet again), "firstFrameBytes"
(bytes written up to the end of the first frame), "rss": {...},
"frames", "marks": {name: epoch seconds, "first-frame": ...}, "error"}. A frame is complete at
Ink's end-of-synchronized-update mark (ESC[?2026l), which Ink writes after each frame on a
terminal; a program that never writes it has no frames here.
"""
import fcntl
import json
import os
import select
import signal
import struct
import sys
import termios
import time

ESU = b"\x1b[?2026l"


def cpu_ms(pid):
    """User + system CPU time of a running process so far (/proc/<pid>/stat, clock-tick resolution)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    plan = json.loads(sys.argv[1])
    argv = sys.argv[3:]
    cols, rows = plan.get("cols", 160), plan.get("rows", 48)
    default_timeout = plan.get("timeout", 30)
    # Ink does not mark frames in CI (is-in-ci); a benchmark must see what a user's terminal sees.
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "CONTINUOUS_INTEGRATION", "BUILD_NUMBER", "RUN_ID")}
    env["TERM"] = "xterm-256color"
    env.pop("NO_COLOR", None)

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        if slave > 2:
            os.close(slave)
        try:
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    os.close(slave)

    out = {"firstFrameMs": None, "firstFrameCpuMs": None, "exitMs": None, "cpuMs": None, "keyCpu": {}, "keys": {}, "keyBytes": {}, "firstFrameBytes": None, "rss": None, "frames": 0, "marks": {}, "error": None}
    state = {"buf": b"", "frames": [], "exited": None, "tail": b"", "bytes": 0}

    def pump(deadline):
        """Reads what is there until the deadline; returns on a new complete frame or exit."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout"
            r, _, _ = select.select([master], [], [], left)
            if not r:
                return "timeout"
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:
                chunk = b""
            now = time.monotonic()
            if not chunk:
                _, status, usage = os.wait4(pid, 0)
                state["exited"] = now
                out["cpuMs"] = (usage.ru_utime + usage.ru_stime) * 1000
                return "exit"
            state["buf"] += chunk
            state["bytes"] += len(chunk)
            state["tail"] = (state["tail"] + chunk)[-4000:]
            got = False
            while True:
                i = state["buf"].find(ESU)
                if i < 0:
                    break
                frame = state["buf"][: i + len(ESU)]
                state["buf"] = state["buf"][i + len(ESU):]
                state["frames"].append((now, frame))
                out["frames"] += 1
                got = True
            if got:
                return "frame"

    def next_frame(deadline, expect=None, absent=None):
        """The first complete frame (matching expect/absent) that arrives from now on: (time, text)."""
        while True:
            state["frames"].clear()
            why = pump(deadline)
            if why != "frame":
                return None, why
            for t, frame in state["frames"]:
                text = frame.decode("utf-8", "replace")
                if (expect is None or expect in text) and (absent is None or absent not in text):
                    return t, text

    try:
        for step in plan["steps"]:
            kind = step["do"]
            timeout = step.get("timeout", default_timeout)
            if kind == "first-frame":
                t, why = next_frame(time.monotonic() + timeout, step.get("expect"))
                if t is None:
                    raise RuntimeError(f"no first frame ({why})")
                out["firstFrameMs"] = (t - start) * 1000
                out["marks"]["first-frame"] = time.time() - (time.monotonic() - t)
                out["firstFrameCpuMs"] = cpu_ms(pid)
                out["firstFrameBytes"] = state["bytes"] - len(state["buf"])
            elif kind == "exit":
                deadline = time.monotonic() + timeout
                while state["exited"] is None:
                    if pump(deadline) == "timeout":
                        raise RuntimeError("the program did not exit")
                out["exitMs"] = (state["exited"] - start) * 1000
            elif kind == "key":
                label = step.get("label", step["keys"])
                times = out["keys"].setdefault(label, [])
                cpu_before = cpu_ms(pid)
                settle = step.get("settle", 0.02)
                written = out["keyBytes"].setdefault(label, [])
                for _ in range(step.get("times", 1)):
                    # Let whatever is in flight land first, so the next frame is this key's.
                    while pump(time.monotonic() + settle) == "frame":
                        pass
                    bytes_before = state["bytes"]
                    sent = time.monotonic()
                    os.write(master, step["keys"].encode())
                    t, text = next_frame(sent + timeout, step.get("expect"), step.get("absent"))
                    if t is None:
                        raise RuntimeError(f"no frame after key {label!r} ({text})")
                    # "during": the key counts only while the frame still shows that text (a probe
                    # batch's progress); later ones are kept apart under "<label> (after)".
                    if step.get("during") and step["during"] not in text:
                        out["keys"].setdefault(label + " (after)", []).append((t - sent) * 1000)
                    else:
                        times.append((t - sent) * 1000)
                    # Bytes the program wrote to the terminal for this key: its frame and whatever
                    # else it wrote until the screen was quiet again (what a slow link carries).
                    while pump(time.monotonic() + settle) == "frame":
                        pass
                    written.append(state["bytes"] - bytes_before)
                    if step.get("gap"):
                        time.sleep(step["gap"])
                spent = out["keyCpu"].setdefault(label, {"cpuMs": 0, "keys": 0})
                spent["cpuMs"] += cpu_ms(pid) - cpu_before
                spent["keys"] += step.get("times", 1)
            elif kind == "mark":
                out["marks"][step["name"]] = time.time()
            elif kind == "send":
                os.write(master, step["keys"].encode())
            elif kind == "wait-text":
                t, why = next_frame(time.monotonic() + timeout, step["text"])
                if t is None:
                    raise RuntimeError(f"no frame with {step['text']!r} ({why})")
            elif kind == "sleep":
                end = time.monotonic() + step["seconds"]
                while time.monotonic() < end:
                    if pump(end) == "exit":
                        break
            elif kind == "rss":
                fields = {}
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        k, _, v = line.partition(":")
                        if k in ("VmHWM", "VmRSS"):
                            fields[k] = int(v.split()[0])
                out["rss"] = {"hwmKb": fields.get("VmHWM"), "rssKb": fields.get("VmRSS")}
                if "label" in step:
                    out.setdefault("rssAt", {})[step["label"]] = out["rss"]
            else:
                raise RuntimeError(f"unknown step {kind!r}")
    except Exception as e:  # reported in the JSON: a failed measurement is never a number
        out["error"] = f"{e}; last output: {state['tail'][-600:].decode('utf-8', 'replace')!r}"
    finally:
        if state["exited"] is None:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
