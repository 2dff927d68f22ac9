#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ptyrun STEP... -- CMD [ARG...]: runs CMD on a new pseudo-terminal, as an interactive shell
would run a foreground job, and drives it through the master side.

A session process owns the terminal (it is the session leader and its controlling terminal);
CMD runs in a process group of its own that is the terminal's foreground group, like a job
started from a shell prompt. The session process waits for CMD and reports a stop.

Steps, in order:
  expect:REGEX   wait until the output read since the last match matches REGEX (multi-line)
  send:TEXT      write TEXT to the master; Python escapes (\\r, \\x03) are decoded
  check:SHELL    run SHELL with /bin/sh outside the terminal, with PTY_JOB set to CMD's pid;
                 the step fails if it exits non-zero
  wait           wait for CMD to end
Each step has PTYRUN_TIMEOUT seconds (default 20). Prints the whole output with carriage
returns removed, then "ptyrun: exit N" (N = CMD's exit code, 128+signal if killed) once CMD
has ended. Exits 0 when every step passed, 1 when one failed (reason on stderr).
"""
import codecs
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time

TIMEOUT = float(os.environ.get("PTYRUN_TIMEOUT", "20"))


def session(slave_name, argv, job_ready_w):
    """The session process: takes the terminal, starts CMD as its foreground job."""
    os.setsid()
    fd = os.open(slave_name, os.O_RDWR)
    fcntl.ioctl(fd, termios.TIOCSCTTY, 0)
    job = os.fork()
    if job == 0:
        os.setpgid(0, 0)
        # The job takes the terminal itself too, as a shell's child does: an interactive
        # shell that ran before the session's tcsetpgrp would stop itself with SIGTTIN.
        ttou = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
        os.tcsetpgrp(fd, os.getpid())
        signal.signal(signal.SIGTTOU, ttou if ttou is not None else signal.SIG_DFL)
        for i in range(3):
            os.dup2(fd, i)
        if fd > 2:
            os.close(fd)
        os.close(job_ready_w)
        try:
            os.execvp(argv[0], argv)
        except OSError as e:
            print(f"ptyrun: {argv[0]}: {e.strerror}", file=sys.stderr)
            os._exit(127)
    # Both sides set the group and the foreground, so neither races the other.
    try:
        os.setpgid(job, job)
    except OSError:
        pass
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    os.tcsetpgrp(fd, job)
    os.write(job_ready_w, f"{job}\n".encode())
    os.close(job_ready_w)
    while True:
        _, status = os.waitpid(job, os.WUNTRACED)
        if os.WIFSTOPPED(status):
            sig = signal.Signals(os.WSTOPSIG(status)).name
            print(f"ptyrun: the job was stopped by {sig}", file=sys.stderr)
            os.killpg(job, signal.SIGKILL)
            os._exit(255)
        if os.WIFEXITED(status):
            os._exit(os.WEXITSTATUS(status))
        os._exit(128 + os.WTERMSIG(status))


class Driver:
    def __init__(self, master, pid, job):
        self.master = master
        self.pid = pid
        self.job = job
        self.out = b""
        self.mark = 0
        self.code = None

    def read_some(self, deadline):
        """Reads what the terminal has; False once it reports end of file."""
        left = max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([self.master], [], [], min(left, 0.1))
        if not ready:
            return True
        try:
            data = os.read(self.master, 4096)
        except OSError:
            data = b""
        if not data:
            return False
        self.out += data
        return True

    def text(self):
        return self.out.decode("utf-8", "replace").replace("\r", "")

    def expect(self, pattern):
        rx = re.compile(pattern, re.MULTILINE)
        deadline = time.monotonic() + TIMEOUT
        while True:
            m = rx.search(self.text(), self.mark)
            if m:
                self.mark = m.end()
                return True
            if time.monotonic() >= deadline:
                return False
            if not self.read_some(deadline):
                m = rx.search(self.text(), self.mark)
                if m:
                    self.mark = m.end()
                return m is not None

    def send(self, text):
        os.write(self.master, codecs.decode(text, "unicode_escape").encode("latin-1"))
        return True

    def check(self, script):
        env = dict(os.environ, PTY_JOB=str(self.job))
        try:
            rc = subprocess.run(["/bin/sh", "-c", script], env=env, timeout=TIMEOUT).returncode
        except subprocess.TimeoutExpired:
            return False
        return rc == 0

    def wait(self):
        deadline = time.monotonic() + TIMEOUT
        while True:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                break
            if time.monotonic() >= deadline:
                return False
            if not self.read_some(deadline):
                time.sleep(0.05)
        # Whatever CMD wrote last is still in the terminal.
        while self.read_some(time.monotonic() + 0.2):
            if not select.select([self.master], [], [], 0.2)[0]:
                break
        self.code = os.waitstatus_to_exitcode(status)
        if self.code < 0:
            self.code = 128 - self.code
        return True

    def step(self, step):
        kind, _, arg = step.partition(":")
        if kind == "expect":
            return self.expect(arg)
        if kind == "send":
            return self.send(arg)
        if kind == "check":
            return self.check(arg)
        if kind == "wait":
            return self.wait()
        print(f"ptyrun: unknown step '{step}'", file=sys.stderr)
        return False

    def cleanup(self):
        if self.code is None:
            for target in (self.job, self.pid):
                try:
                    os.killpg(target, signal.SIGKILL)
                except OSError:
                    pass
            try:
                os.waitpid(self.pid, 0)
            except OSError:
                pass


def main():
    args = sys.argv[1:]
    if "--" not in args or args.index("--") == len(args) - 1:
        print("usage: ptyrun STEP... -- CMD [ARG...]", file=sys.stderr)
        return 2
    steps = args[: args.index("--")]
    argv = args[args.index("--") + 1 :]
    master, slave = os.openpty()
    slave_name = os.ttyname(slave)
    # Wide enough that a shell's line editor never scrolls a typed command sideways.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 250, 0, 0))
    os.close(slave)
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.close(ready_r)
        try:
            session(slave_name, argv, ready_w)
        finally:
            os._exit(254)
    os.close(ready_w)
    with os.fdopen(ready_r) as f:
        line = f.readline().strip()
    if not line:
        print("ptyrun: the session process could not start the job", file=sys.stderr)
        return 1
    d = Driver(master, pid, int(line))
    failed = None
    try:
        for i, step in enumerate(steps, 1):
            if not d.step(step):
                failed = f"step {i} failed: {step}"
                break
    finally:
        d.cleanup()
    sys.stdout.write(d.text())
    if not d.text().endswith("\n"):
        sys.stdout.write("\n")
    if d.code is not None:
        print(f"ptyrun: exit {d.code}")
    if failed:
        print(f"ptyrun: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
