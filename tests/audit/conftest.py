"""One moto HTTP server per test session; boto3 reaches it over the network via AWS_ENDPOINT_URL."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

import boto3
import pytest
from moto.server import ThreadedMotoServer

REGION = "us-east-1"
DUMMY = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


class Moto:
    def __init__(self, url: str):
        self.url = url

    def post(self, path: str, body: bytes = b"") -> dict:
        request = urllib.request.Request(self.url + path, data=body, method="POST",
                                         headers={"Content-Type": "text/plain"})
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode() or "{}"
        return json.loads(text) if text.strip().startswith("{") else {}

    def reset(self) -> None:
        self.enforce_auth(False)
        self.post("/moto-api/reset")

    def enforce_auth(self, on: bool) -> None:
        """moto's IAM emulation: with auth on, keys must exist in IAM and policies are evaluated."""
        self.post("/moto-api/reset-auth", b"0" if on else b"inf")

    def client(self, service: str, **creds):
        return boto3.client(service, region_name=REGION, endpoint_url=self.url,
                            aws_access_key_id=creds.get("key", DUMMY["AWS_ACCESS_KEY_ID"]),
                            aws_secret_access_key=creds.get("secret", DUMMY["AWS_SECRET_ACCESS_KEY"]))

    def env(self, **overrides) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(DUMMY, AWS_ENDPOINT_URL=self.url, AWS_DEFAULT_REGION=REGION,
                   AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true")
        for key, value in overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env


@pytest.fixture(scope="session")
def moto_server():
    # The AWS managed policies (AWSSupportAccess, AWSCloudShellFullAccess...) exist, as in a real account.
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield Moto(f"http://{host}:{port}")
    server.stop()


@pytest.fixture
def moto(moto_server):
    moto_server.reset()
    yield moto_server
    moto_server.reset()


def run_audit(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "preflight", "audit", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)
