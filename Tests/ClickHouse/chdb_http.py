#!/usr/bin/env python3
"""A minimal ClickHouse HTTP interface over chDB (embedded ClickHouse), for DubQL's tests and benchmarks.

One persistent chDB session holds the databases for the life of the process. It speaks the part of
ClickHouse's HTTP interface that DubQL uses:

- the query in `query=` (URL) or in the body; with both, the body follows the query (INSERT data);
  Tinybird's `GET|POST /v0/sql?q=...` is accepted too
- `database=` (the default database of the query), `default_format=` (else TabSeparated; a FORMAT
  clause in the SQL wins), `param_NAME=` values, which ClickHouse substitutes for `{NAME:Type}`
- `INSERT INTO t FORMAT JSONEachRow` with the rows in the body
- errors as ClickHouse sends them: its exception text, an HTTP status from the error code, and the
  `X-ClickHouse-Exception-Code` header
- with --user/--password: HTTP Basic auth, `X-ClickHouse-User`/`X-ClickHouse-Key` or `user=`/`password=`;
  with --token: `Authorization: Bearer TOKEN` (as Tinybird)

The first line on stdout is the URL it listens on, so a test can start it with `--port 0`.
Usage: chdb_http.py [--host 127.0.0.1] [--port 0] [--user U --password P] [--token T] [--path DIR]
                   [--exit-with-parent] [--max-lifetime SECONDS]
"""

import argparse
import base64
import os
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from chdb import session as chdb_session

# ClickHouse error codes that its HTTP interface answers with a status other than 500.
STATUS_BY_CODE = {
    62: 400,   # SYNTAX_ERROR
    47: 400,   # UNKNOWN_IDENTIFIER
    46: 400,   # UNKNOWN_FUNCTION
    43: 400,   # ILLEGAL_TYPE_OF_ARGUMENT
    53: 400,   # TYPE_MISMATCH
    26: 400,   # CANNOT_PARSE_QUOTED_STRING
    27: 400,   # CANNOT_PARSE_INPUT_ASSERTION_FAILED
    117: 400,  # INCORRECT_DATA
    456: 400,  # UNKNOWN_QUERY_PARAMETER
    457: 400,  # BAD_QUERY_PARAMETER
    60: 404,   # UNKNOWN_TABLE
    81: 404,   # UNKNOWN_DATABASE
    516: 401,  # AUTHENTICATION_FAILED
}

CONTENT_TYPES = {
    "JSONEachRow": "application/x-ndjson; charset=UTF-8",
    "JSON": "application/json; charset=UTF-8",
    "JSONCompact": "application/json; charset=UTF-8",
}


class Front:
    def __init__(self, args):
        self.session = chdb_session.Session(args.path) if args.path else chdb_session.Session()
        self.lock = threading.Lock()
        self.user = args.user
        self.password = args.password
        self.token = args.token

    @staticmethod
    def claimed_user(headers, params):
        """The user a request says it is, for the error message."""
        auth = headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                return base64.b64decode(auth[6:]).decode("utf-8").partition(":")[0]
            except Exception:
                pass
        return headers.get("X-ClickHouse-User") or params.get("user") or "default"

    def authorized(self, headers, params):
        if self.token is None and self.user is None:
            return True
        auth = headers.get("Authorization", "")
        if self.token is not None and auth == "Bearer " + self.token:
            return True
        if self.user is not None:
            user, password = None, None
            if auth.startswith("Basic "):
                try:
                    user, _, password = base64.b64decode(auth[6:]).decode("utf-8").partition(":")
                except Exception:
                    return False
            elif "X-ClickHouse-User" in headers:
                user, password = headers.get("X-ClickHouse-User"), headers.get("X-ClickHouse-Key", "")
            elif "user" in params:
                user, password = params["user"], params.get("password", "")
            return user == self.user and password == self.password
        return False

    def run(self, sql, database, fmt, query_params):
        with self.lock:
            self.session.query("USE " + quote_identifier(database or "default"), "TabSeparated")
            result = self.session.query(sql, fmt, params=query_params or None)
            return result.bytes()


def quote_identifier(name):
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


def make_handler(front):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # quiet: tests read stdout
            pass

        def do_GET(self):
            self.handle_query(b"")

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            self.handle_query(body)

        def handle_query(self, body):
            parsed = urllib.parse.urlsplit(self.path)
            if parsed.path == "/ping":
                return self.answer(200, b"Ok.\n", "text/plain; charset=UTF-8")
            if parsed.path not in ("/", "/v0/sql"):
                return self.answer(404, b"There is no handle " + parsed.path.encode() + b"\n", "text/plain")
            params = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
            if not front.authorized(self.headers, params):
                return self.error(516, "Code: 516. DB::Exception: " + front.claimed_user(self.headers, params)
                                  + ": Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)")
            query = params.get("query", params.get("q"))
            text = body.decode("utf-8", errors="replace")
            if query is None:
                sql = text
            elif text:
                sql = query + "\n" + text
            else:
                sql = query
            if not sql.strip():
                return self.error(62, "Code: 62. DB::Exception: Empty query. (SYNTAX_ERROR)")
            query_params = {k[6:]: v for k, v in params.items() if k.startswith("param_")}
            fmt = params.get("default_format") or ("JSON" if parsed.path == "/v0/sql" else "TabSeparated")
            try:
                out = front.run(sql, params.get("database"), fmt, query_params)
            except Exception as e:  # chdb raises ChdbError (RuntimeError) with ClickHouse's text
                message = str(e).strip()
                m = re.search(r"Code: (\d+)\.", message)
                return self.error(int(m.group(1)) if m else 1000, message)
            m = re.search(r"\bFORMAT\s+(\w+)\s*;?\s*$", query or sql.split("\n", 1)[0], re.IGNORECASE)
            self.answer(200, out, CONTENT_TYPES.get(m.group(1) if m else fmt, "text/tab-separated-values; charset=UTF-8"))

        def error(self, code, message):
            self.answer(STATUS_BY_CODE.get(code, 500), (message + "\n").encode("utf-8"), "text/plain; charset=UTF-8",
                        {"X-ClickHouse-Exception-Code": str(code)})

        def answer(self, status, body, content_type, headers=None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

    return Handler


def watch(args):
    """Ends the process when its parent is gone or its lifetime is over, so tests never leave it behind."""
    parent = os.getppid()
    started = time.monotonic()

    def loop():
        while True:
            time.sleep(0.5)
            if args.exit_with_parent and os.getppid() != parent:
                os._exit(0)
            if args.max_lifetime and time.monotonic() - started > args.max_lifetime:
                os._exit(0)

    threading.Thread(target=loop, daemon=True).start()


def main():
    p = argparse.ArgumentParser(description="ClickHouse's HTTP interface over one chDB session")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8123)
    p.add_argument("--user")
    p.add_argument("--password", default="")
    p.add_argument("--token")
    p.add_argument("--path", help="directory for the session's data (default: temporary)")
    p.add_argument("--exit-with-parent", action="store_true", help="exit when the process that started it ends")
    p.add_argument("--max-lifetime", type=float, default=0, help="exit after this many seconds (0: never)")
    args = p.parse_args()
    watch(args)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(Front(args)))
    server.daemon_threads = True
    print("http://%s:%d" % (args.host, server.server_address[1]), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
