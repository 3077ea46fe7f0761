"""``python -m itscope``: the commands support staff and the demo use, run as real processes."""

import json
import pathlib
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SAMPLES = REPO.parent / "shared" / "opentrans" / "samples"
DATA = pathlib.Path(__file__).resolve().parent / "data"


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "itscope", *args], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="ITscope's sample documents are read from ../shared, absent here")
def test_opentrans_parse_prints_the_invoice_as_json():
    result = run_cli("opentrans", "parse", str(SAMPLES / "itscope_INVOICE.xml"))
    assert result.returncode == 0, result.stderr
    invoice = json.loads(result.stdout)
    assert invoice["type"] == "INVOICE"
    assert (invoice["totals"]["net"], invoice["totals"]["extra_total"], invoice["totals"]["total"]) == (
        "1401.0",
        "10.9",
        "1678.09",
    )
    assert [line["order_reference"]["line_id"] for line in invoice["lines"]]


def test_opentrans_parse_refuses_a_doctype_with_a_clear_message():
    result = run_cli("opentrans", "parse", str(DATA / "doctype_entity.xml"))
    assert result.returncode == 2
    assert "DOCTYPE" in result.stderr and result.stdout == ""


def test_sandbox_command_serves_the_api():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "itscope", "sandbox", "--port", str(port), "--products", "20", "--api-key", "k"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert "ITscope sandbox on http://127.0.0.1:%d/2.1" % port in process.stdout.readline()
        request = urllib.request.Request("http://127.0.0.1:%d/2.1/info/quota" % port)
        request.add_header("Authorization", "Basic c2FuZGJveDpr")  # sandbox:k
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(request, timeout=2) as response:
                    assert b"API access" in response.read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(10)
