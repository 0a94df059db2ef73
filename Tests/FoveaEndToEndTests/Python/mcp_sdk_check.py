"""The official MCP Python SDK (`mcp`, pinned in requirements.txt) against `fovea mcp` over stdio.

    python mcp_sdk_check.py FOVEA IMAGE

1. A default `mcp.Client` (mode "auto": it probes `server/discover`, then falls back to the
   `initialize` handshake) lists the tools, checks each has an `outputSchema` that is a valid
   JSON Schema, and calls every tool; the SDK validates each successful result's
   `structuredContent` against the tool's `outputSchema` and raises if it does not conform.
   Failed results (`isError`), which the SDK does not validate, are validated here with the
   same validator.
2. For every revision the SDK negotiates by handshake (`HANDSHAKE_PROTOCOL_VERSIONS`), a client
   that offers exactly that revision gets it back, lists the tools and calls one, with the SDK
   checking every result against that revision's schema.

Prints one line per check and `all checks passed` at the end; exits 1 at the first failure.
"""

import asyncio
import base64
import json
import sys

import jsonschema
import mcp.client.session as client_session
from mcp import Client, StdioServerParameters
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

FOVEA, IMAGE = sys.argv[1], sys.argv[2]
with open(IMAGE, "rb") as handle:
    DATA_URL = "data:image/png;base64," + base64.b64encode(handle.read()).decode()


def server(*extra):
    return StdioServerParameters(command=FOVEA, args=["mcp", "--workers", "1", "--log-level", "warning", *extra])


def calls(image):
    """One valid call of every tool (the image tools on `image`), and code calls that print,
    show a figure and raise."""
    box = [100, 100, 600, 600]
    return [
        ("zoom", {"image": image, "bbox_2d": box, "label": "a region"}),
        ("crop", {"image": image, "bbox_2d": box}),
        ("rotate", {"image": image, "angle": 30}),
        ("enhance", {"image": image, "contrast": 1.5, "bbox_2d": box}),
        ("tile", {"image": image, "grid": [2, 2]}),
        ("annotate", {"image": image, "boxes": [{"bbox_2d": box, "label": "x"}]}),
        ("inspect", {"image": image}),
        ("pipeline", {"image": image, "steps": [{"tool": "zoom", "arguments": {"bbox_2d": box}},
                                                 {"tool": "rotate", "arguments": {"angle": 90}}]}),
        ("code", {"code": "print(image.size)", "images": [DATA_URL]}),
        ("code", {"code": "plt.plot([1, 2, 3]); plt.show()", "images": [DATA_URL], "conventions": "r1v4"}),
        ("code", {"code": "1 / 0", "conventions": "plain"}),
    ]


def fail(message):
    print("FAILED: " + message)
    sys.exit(1)


async def every_tool():
    async with Client(server()) as client:
        print(f"negotiated {client.protocol_version} (auto mode: server/discover, then initialize)")
        listed = (await client.list_tools()).tools
        schemas = {tool.name: tool.output_schema for tool in listed}
        for tool in listed:
            if not tool.output_schema:
                fail(f"{tool.name} has no outputSchema")
            jsonschema.validators.validator_for(tool.output_schema).check_schema(tool.output_schema)
            jsonschema.validators.validator_for(tool.input_schema).check_schema(tool.input_schema)
        print(f"listed {len(listed)} tools, each with an inputSchema and an outputSchema that are valid JSON Schemas: "
              + ", ".join(sorted(schemas)))
        # The first call puts the image inline; later calls chain on its handle.
        first = await client.call_tool("inspect", {"image": DATA_URL})
        handle = first.structured_content["image"]
        called = set()
        for name, arguments in calls(handle):
            result = await client.call_tool(name, arguments)  # raises if structuredContent breaks outputSchema
            if result.structured_content is None:
                fail(f"{name} returned no structuredContent")
            if result.is_error:
                errors = list(jsonschema.validators.validator_for(schemas[name])(schemas[name]).iter_errors(result.structured_content))
                if errors:
                    fail(f"{name}'s failed result does not conform to its outputSchema: {errors[0].message}")
            images = [block for block in result.content if block.type == "image"]
            print(f"called {name}: isError={result.is_error}, {len(images)} image(s), structuredContent valid")
            called.add(name)
        missing = set(schemas) - called - {"inspect"}
        if missing:
            fail(f"tools not called: {sorted(missing)}")


async def every_revision():
    for version in HANDSHAKE_PROTOCOL_VERSIONS:
        client_session.LATEST_HANDSHAKE_VERSION = version  # what ClientSession.initialize offers
        async with Client(server("--no-code"), mode="legacy") as client:
            if client.protocol_version != version:
                fail(f"offered {version}, got {client.protocol_version}")
            await client.list_tools()
            result = await client.call_tool("crop", {"image": DATA_URL, "bbox_2d": [0, 0, 500, 500]})
            if result.is_error:
                fail(f"crop under {version}: {result.content}")
            print(f"revision {version}: negotiated, tools/list and tools/call valid under it")


asyncio.run(every_tool())
asyncio.run(every_revision())
print("all checks passed")
