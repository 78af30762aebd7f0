"""Run a command under a real pseudo-terminal and press Ctrl+C in it, as a user at a terminal would.

The ^C byte written to the terminal makes its line discipline send SIGINT to the whole foreground process
group (not to one pid), which is what a test sending a signal to the command's pid cannot reproduce.
Usage: pty_interrupt.py '{"cmd": [...], "cwd": DIR, "after": TEXT, "delayS": S, "timeoutS": S}'
Prints one JSON line: {"exit": code, "sent": bool, "output": text}.
"""
import json
import os
import pty
import select
import sys
import time

spec = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.chdir(spec["cwd"])
    os.execvp(spec["cmd"][0], spec["cmd"])

output = b""
seen_at = None
sent = False
deadline = time.time() + spec["timeoutS"]
while time.time() < deadline:
    ready, _, _ = select.select([fd], [], [], 0.05)
    if ready:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the command closed the terminal (it exited)
            break
        if not data:
            break
        output += data
    if seen_at is None and spec["after"].encode() in output:
        seen_at = time.time()
    if not sent and seen_at is not None and time.time() - seen_at >= spec["delayS"]:
        os.write(fd, b"\x03")
        sent = True

finished, status = os.waitpid(pid, os.WNOHANG)
if finished == 0:
    os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
print(json.dumps({"exit": os.waitstatus_to_exitcode(status), "sent": sent, "output": output.decode("utf8", "replace")}))
