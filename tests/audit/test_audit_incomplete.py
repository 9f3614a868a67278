"""An audit that could not check is never a pass: throttling, 5xx, hanging endpoints, bad region
or endpoint. Real subprocesses against moto's HTTP server, a misbehaving proxy in front of it, and
a socket that accepts and never answers."""
from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from .conftest import run_audit

EXIT_INCOMPLETE = 3


class _Proxy(BaseHTTPRequestHandler):
    """Forwards STS GetCallerIdentity to moto; answers everything else with `mode`."""

    mode = "throttle"
    upstream = ""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if b"Action=GetCallerIdentity" in body:
            up = urlsplit(self.upstream)
            conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            conn.request(self.command, self.path, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
            self.send_response(answer.status)
            for k, v in answer.getheaders():
                if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            conn.close()
            return
        json_api = "X-Amz-Target" in self.headers or "json" in (self.headers.get("Content-Type") or "")
        if self.mode == "throttle":
            status = 400
            data = (json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode() if json_api
                    else b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate "
                         b"exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>")
        else:
            status, data = 500, b"<html>internal error</html>"
        self.send_response(status)
        self.send_header("x-amzn-ErrorType", "ThrottlingException" if self.mode == "throttle" else "InternalFailure")
        self.send_header("Content-Type", "application/x-amz-json-1.1" if json_api else "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle


@pytest.fixture(params=["throttle", "500"])
def bad_proxy(request, moto):
    handler = type("Handler", (_Proxy,), {"mode": request.param, "upstream": moto.url})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield request.param, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_nothing_checked_is_not_a_pass(moto, bad_proxy):
    mode, url = bad_proxy
    env = moto.env(AWS_ENDPOINT_URL=url)
    result = run_audit(env, "--format", "json", timeout=240)
    assert result.returncode == EXIT_INCOMPLETE, (result.returncode, result.stderr[-2000:])
    report = json.loads(result.stdout)
    assert report["outcome"] == "incomplete" and report["findings"] == []
    assert all(c["status"] == "not checked" for c in report["checks"]), [c for c in report["checks"]
                                                                        if c["status"] != "not checked"]
    assert len(report["incomplete"]) >= len(report["checks"]) - 3
    table = run_audit(env, timeout=240)
    assert table.returncode == EXIT_INCOMPLETE
    assert "PASS" not in table.stdout and "INCOMPLETE:" in table.stdout and "COULD NOT RUN" in table.stdout


class _Silent:
    """Accepts TCP connections and never answers; closes itself after `lifetime` seconds."""

    def __init__(self, lifetime: float = 120):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.held = []
        self.deadline = time.monotonic() + lifetime
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while time.monotonic() < self.deadline:
            try:
                conn, _ = self.sock.accept()
                self.held.append(conn)
            except (socket.timeout, OSError):
                if self.sock.fileno() < 0:
                    break
        self.close()

    def close(self):
        for conn in self.held:
            conn.close()
        self.sock.close()


def test_hanging_endpoint_fails_within_a_minute_naming_it(moto):
    silent = _Silent()
    try:
        url = f"http://127.0.0.1:{silent.port}"
        started = time.monotonic()
        result = run_audit(moto.env(AWS_ENDPOINT_URL=url), timeout=90)
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and url in lines[0] and "did not answer" in lines[0], result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert elapsed < 60, elapsed  # the requirement itself: bounded timeouts and retries


def test_region_order_flag_then_aws_region_then_default(moto):
    def region(*args, **env):
        result = run_audit(moto.env(**env), "--format", "json", *args)
        assert result.returncode in (0, 1, 3), result.stderr
        return json.loads(result.stdout)["region"]
    assert region(AWS_DEFAULT_REGION=None, AWS_REGION="eu-west-1") == "eu-west-1"
    assert region(AWS_DEFAULT_REGION="us-west-2", AWS_REGION="eu-west-1") == "eu-west-1"
    assert region("--region", "ap-south-1", AWS_DEFAULT_REGION="us-west-2", AWS_REGION="eu-west-1") == "ap-south-1"


@pytest.mark.parametrize("args, env, message", [
    (["--region", "us east 1"], {}, "is not an AWS region name"),
    (["--region", "us-east-9"], {}, "is not a region botocore"),
    ([], {"AWS_REGION": "Mars-1\x1b[2J"}, "is not an AWS region name"),
    ([], {"AWS_ENDPOINT_URL": "localhost:4566"}, "AWS_ENDPOINT_URL 'localhost:4566' is not a URL"),
    ([], {"AWS_ENDPOINT_URL": "http://"}, "is not a URL"),
    ([], {"AWS_ENDPOINT_URL": "http://127.0.0.1:99999"}, "is not a URL"),
])
def test_bad_region_or_endpoint_is_one_plain_line(moto, args, env, message):
    result = run_audit(moto.env(**env), *args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.stderr, result.stderr
    assert "\x1b" not in result.stderr
