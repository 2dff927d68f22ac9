#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Asks the stack N times, one request after another, through nginx, and prints how many
# answers were 200 with postgres's row: `python3 client.py [N [PORT]]`, by default 120 and
# nginx's 18080. Each failure is named on standard error. Exits 0 when all N were.
import json
import sys
import urllib.request

n = int(sys.argv[1]) if len(sys.argv) > 1 else 120
port = int(sys.argv[2]) if len(sys.argv) > 2 else 18080
# No proxy from the environment: the stack is on this machine.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
ok = 0
for i in range(n):
    try:
        with opener.open("http://127.0.0.1:%d/" % port, timeout=10) as r:
            if json.load(r).get("greeting") == "hello from postgres":
                ok += 1
            else:
                print("request %d: no greeting" % (i + 1), file=sys.stderr)
    except Exception as e:  # an HTTP error, a refused connection, a timeout: counted
        print("request %d: %s" % (i + 1, e), file=sys.stderr)
print("%d of %d" % (ok, n))
sys.exit(0 if ok == n else 1)
