"""A real MCP client (the official Python SDK) driving the Mailcall MCP server.

Reads a JSON script from stdin: {"calls": [{"tool": NAME, "args": {...}}, ...],
"repeat": N (optional, for latency figures)}. Connects over stdio (starting the server
binary) or streamable HTTP with a bearer token, lists the tools, runs the calls in order
and prints one JSON document: {"tools": [...], "results": [...], "latency_ms": {...}}.

Usage:
  client.py stdio SERVER_BIN [SERVER_ARGS...]
  client.py http URL TOKEN
"""

import asyncio
import json
import os
import sys
import time

from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


def result_json(result):
    text = "".join(getattr(c, "text", "") for c in result.content)
    structured = result.structured_content
    if structured is None:
        try:
            structured = json.loads(text)
        except ValueError:
            structured = None
    return {"is_error": bool(result.is_error), "structured": structured, "text": text}


def percentile(samples, p):
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[index]


async def drive(client, script):
    tools = await client.list_tools()
    out = {
        "tools": [
            {"name": t.name, "description": t.description, "input_schema": t.input_schema}
            for t in tools.tools
        ],
        "results": [],
        "latency_ms": {},
    }
    repeat = int(script.get("repeat", 1))
    for call in script["calls"]:
        samples = []
        result = None
        for _ in range(repeat):
            start = time.perf_counter()
            result = await client.call_tool(call["tool"], call.get("args", {}))
            samples.append((time.perf_counter() - start) * 1000)
        out["results"].append(result_json(result))
        if repeat > 1:
            out["latency_ms"][call.get("label", call["tool"])] = {
                "p50": round(percentile(samples, 50), 2),
                "p99": round(percentile(samples, 99), 2),
                "n": len(samples),
            }
    return out


async def main():
    script = json.load(sys.stdin)
    mode = sys.argv[1]
    if mode == "stdio":
        params = StdioServerParameters(command=sys.argv[2], args=sys.argv[3:], env=dict(os.environ))
        async with Client(params, mode="legacy") as client:
            out = await drive(client, script)
    elif mode == "http":
        url, token = sys.argv[2], sys.argv[3]
        http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
        async with http:
            async with Client(streamable_http_client(url, http_client=http), mode="legacy") as client:
                out = await drive(client, script)
    else:
        raise SystemExit(f"unknown mode {mode}")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    asyncio.run(main())
