"""The HTTP bench reads wrk's report: throughput, 99th percentile, failures."""

from __future__ import annotations

import pytest

from bench.server import parse_wrk

REPORT = """\
Running 10s test @ http://127.0.0.1:45253/catalogue
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   480.12ms  120.50ms   1.20s    70.00%
    Req/Sec    16.22      6.10    30.00     60.00%
  Latency Distribution
     50%  470.00ms
     75%  550.00ms
     90%  650.00ms
     99%    1.12s
  330 requests in 10.04s, 10.53MB read
{extra}Requests/sec:     32.87
Transfer/sec:      1.05MB
"""


def test_parse_wrk_reads_throughput_and_p99_in_seconds() -> None:
    result = parse_wrk(REPORT.format(extra=""))

    assert result.requests_per_second == 32.87
    assert result.p99_ms == pytest.approx(1120.0)
    assert result.requests == 330
    assert result.non_2xx_3xx == 0
    assert result.socket_errors is None


def test_parse_wrk_reads_failures_and_microseconds() -> None:
    output = REPORT.format(
        extra="  Socket errors: connect 0, read 3, write 0, timeout 2\n"
        "  Non-2xx or 3xx responses: 17\n"
    ).replace("99%    1.12s", "99%  850.00us")

    result = parse_wrk(output)

    assert result.non_2xx_3xx == 17
    assert result.socket_errors == "connect 0, read 3, write 0, timeout 2"
    assert result.p99_ms == pytest.approx(0.85)


def test_parse_wrk_refuses_an_unexpected_report() -> None:
    with pytest.raises(RuntimeError, match="unexpected wrk output"):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")
