#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A server for pid1's checks to probe, on 127.0.0.1:PORT, one connection at a time.

probed.py PORT listen DELAY FILE   listens after DELAY seconds, then writes FILE; accepts, closes
probed.py PORT http CODE... FILE   answers each GET with the next CODE (the last one repeats),
                                   writing FILE before the first 2xx it sends
probed.py PORT healthy FILE        answers 200 while FILE exists, else 500
probed.py PORT silent              accepts and never answers
probed.py PORT flood               accepts and sends bytes without end, never a line's end
"""
import os
import socket
import sys
import time


def serve(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    return s


def read_request(c):
    data = b""
    c.settimeout(5)
    try:
        while b"\r\n\r\n" not in data and len(data) < 65536:
            more = c.recv(4096)
            if not more:
                break
            data += more
    except OSError:
        pass
    return data


def answer(c, code):
    read_request(c)
    body = b"ok\n" if code < 400 else b"no\n"
    head = "HTTP/1.1 %d X\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % (code, len(body))
    try:
        c.sendall(head.encode() + body)
    except OSError:
        pass
    c.close()


def main():
    port, mode, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    if mode == "listen":
        time.sleep(float(args[0]))
        s = serve(port)
        open(args[1], "w").close()
        while True:
            c, _ = s.accept()
            c.close()
    s = serve(port)
    held = []
    n = 0
    while True:
        c, _ = s.accept()
        if mode == "http":
            codes = [int(a) for a in args[:-1]]
            code = codes[min(n, len(codes) - 1)]
            n += 1
            if 200 <= code < 300 and not os.path.exists(args[-1]):
                open(args[-1], "w").close()
            answer(c, code)
        elif mode == "healthy":
            answer(c, 200 if os.path.exists(args[0]) else 500)
        elif mode == "silent":
            held.append(c)
        elif mode == "flood":
            c.setblocking(True)
            try:
                while True:
                    c.sendall(b"x" * 65536)
            except OSError:
                c.close()


main()
