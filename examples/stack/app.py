#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The stack's application: an HTTP server on 127.0.0.1:$APP_PORT that answers GET / with a
# row of postgres (through psql, so that Debian's postgresql-client is all it needs) and a
# counter kept in redis (a few bytes of its protocol on a socket). It says on its standard
# error when it started, whether the migration's table was there at that moment, and when
# SIGTERM came: bench/stack and tests/37-stack.bats read those lines.
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import time

PSQL = os.environ.get("PSQL", "/usr/lib/postgresql/15/bin/psql")


def say(text):
    print("%.3f %s" % (time.time(), text), file=sys.stderr, flush=True)


def query(sql):
    """One value from postgres; PGHOST, PGPORT and PGUSER come from the environment."""
    r = subprocess.run([PSQL, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                       capture_output=True, text=True, timeout=10)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip() or "psql exited %d" % r.returncode)
    return r.stdout.strip()


def hits():
    """INCR hits in redis: its protocol is simple enough for a socket."""
    port = int(os.environ.get("REDIS_PORT", "6379"))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"*2\r\n$4\r\nINCR\r\n$4\r\nhits\r\n")
        reply = b""
        while not reply.endswith(b"\r\n"):
            chunk = s.recv(64)
            if not chunk:
                break
            reply += chunk
    if not reply.startswith(b":"):
        raise RuntimeError("redis: %r" % reply)
    return int(reply[1:])


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            body = {"greeting": query("SELECT text FROM greeting WHERE id = 1"),
                    "hits": hits()}
            code = 200
        except Exception as e:  # the client gets the reason, as a 500
            body = {"error": str(e)}
            code = 500
        data = (json.dumps(body) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass  # nginx keeps the access log


def stop(signum, frame):
    say("app: %s received, stopping" % signal.Signals(signum).name)
    raise SystemExit(0)


def main():
    signal.signal(signal.SIGTERM, stop)
    say("app: started, pid %d" % os.getpid())
    try:
        say("app: at start the database says: %s"
            % query("SELECT text FROM greeting WHERE id = 1"))
    except Exception as e:
        say("app: at start the database is not ready: %s" % str(e).splitlines()[0])
    port = int(os.environ.get("APP_PORT", "8000"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    say("app: listening on 127.0.0.1:%d" % port)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        say("app: stopped")


if __name__ == "__main__":
    main()
