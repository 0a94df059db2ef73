"""fovea_client.verl_tools against verl's real BaseTool/ToolResponse and a real daemon, driven as
verl's ToolAgentLoop drives a tool (verl/experimental/agent_loop/tool_agent_loop.py, _call_tool):
for every call ``create(create_kwargs=…)``, ``execute(instance_id, arguments, agent_data=…)``,
``release(instance_id)``, concurrently for many trajectories on one event loop."""

from __future__ import annotations

import asyncio
import importlib.util
import io
import os
import sys
import types

import pytest

if importlib.util.find_spec("verl") is None:  # installed but broken is a failure, not a skip
    pytest.skip("verl is not installed (run_tests.sh installs it)", allow_module_level=True)

from fovea_client import verl_tools  # noqa: E402

from conftest import noise_image  # noqa: E402
from fovea_client.images import PROCESS_CACHE  # noqa: E402

EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples", "verl_tool_config.yaml")


def test_the_adapters_subclass_verls_own_base_tool():
    import verl.tools.base_tool
    import verl.tools.schemas

    assert issubclass(verl_tools.FoveaZoomTool, verl.tools.base_tool.BaseTool)
    assert issubclass(verl_tools.FoveaCodeTool, verl.tools.base_tool.BaseTool)
    assert verl_tools.ToolResponse is verl.tools.schemas.ToolResponse
    # the real files of the installed verl distribution, not stand-ins
    from importlib.metadata import distribution
    files = {str(path) for path in distribution("verl").files}
    assert "verl/tools/base_tool.py" in files and "verl/tools/schemas.py" in files
    assert verl.tools.base_tool.__file__.endswith(os.path.join("verl", "tools", "base_tool.py"))


def test_verls_config_loader_builds_the_tools_from_the_example_yaml(deepeyes_daemon, monkeypatch):
    pytest.importorskip("omegaconf")
    try:  # verl 0.9: verl/tools/tool_registry.py (it imports transformers for function tools)
        from verl.tools.tool_registry import initialize_tools_from_config
    except ModuleNotFoundError as error:
        if error.name != "verl.tools.tool_registry":
            raise
        from verl.tools.utils.tool_registry import initialize_tools_from_config  # verl 0.5-0.8

    monkeypatch.setenv("FOVEA_SOCKET", deepeyes_daemon.socket_path)
    tools = initialize_tools_from_config(EXAMPLE)
    assert [type(tool).__name__ for tool in tools] == ["FoveaZoomTool", "FoveaCodeTool"]
    assert [tool.name for tool in tools] == ["image_zoom_in_tool", "code"]
    assert tools[0].socket_path == deepeyes_daemon.socket_path and tools[0].coords == "pixel"
    assert tools[1].conventions == "r1v4"
    schema = tools[0].tool_schema.model_dump(exclude_unset=True, exclude_none=True)
    assert schema["function"]["parameters"]["required"] == ["bbox_2d"]


class AgentData:
    """What ToolAgentLoop passes as ``agent_data``: the tool reads ``request_id`` only."""

    def __init__(self, request_id):
        self.request_id = request_id


async def call_like_the_agent_loop(tool, create_kwargs, arguments, agent_data=None):
    instance_id, _ = await tool.create(create_kwargs=create_kwargs)
    try:
        return await tool.execute(instance_id, arguments, agent_data=agent_data)
    finally:
        await tool.release(instance_id)


def test_sixteen_concurrent_trajectories_see_only_their_own_image_and_each_is_put_once(deepeyes_daemon):
    """16 trajectories with 16 different images, 3 zooms each, all at once: every crop is exactly
    its own image's (deepeyes preset: a box whose sides are multiples of 28 comes back unresized);
    the daemon sees 16 puts for 48 creates."""
    from PIL import Image

    tool = verl_tools.FoveaZoomTool({"type": "native", "socket": deepeyes_daemon.socket_path, "coords": "pixel"}, None)
    sources = [Image.open(io.BytesIO(noise_image(280, 224, seed=1000 + n))) for n in range(16)]  # as deepeyes.py opens them
    boxes = [(28 * (k + 1), 28, 28 * (k + 1) + 112, 28 + 84) for k in range(3)]
    puts_before, cache_before = deepeyes_daemon.puts(), PROCESS_CACHE.puts

    async def trajectory(n):
        results = []
        for box in boxes:
            response, reward, metrics = await call_like_the_agent_loop(
                tool, {"image": sources[n]}, {"bbox_2d": list(box), "label": f"patch {n}"}, AgentData(f"traj-{n}"))
            results.append((box, response, reward, metrics))
        return results

    async def main():
        return await asyncio.gather(*[trajectory(n) for n in range(16)])

    everything = asyncio.run(main())
    for n, results in enumerate(everything):
        expected_source = sources[n].convert("RGB")
        for box, response, reward, metrics in results:
            assert reward == 0.0 and metrics["success"], response.text
            assert response.text == f"Zoomed in on the image to the region {list(box)} with label patch {n}."
            assert len(response.image) == 1 and isinstance(response.image[0], Image.Image)
            assert response.image[0].size == (112, 84)
            assert response.image[0].convert("RGB").tobytes() == expected_source.crop(box).tobytes(), \
                f"trajectory {n} got another image's pixels for {box}"
    assert deepeyes_daemon.puts() - puts_before == 16
    assert PROCESS_CACHE.puts - cache_before == 16


def test_tool_errors_are_the_sentence_with_verls_failure_reward(deepeyes_daemon):
    tool = verl_tools.FoveaZoomTool({"type": "native", "socket": deepeyes_daemon.socket_path}, None)
    response, reward, metrics = asyncio.run(call_like_the_agent_loop(
        tool, {"image": noise_image(100, 80, seed=2001)}, {"bbox_2d": [60, 10, 20, 50]}))
    assert response.text == "bbox_2d [60, 10, 20, 50] is invalid: x2 (20) must be greater than x1 (60)"
    assert response.image is None and reward == -0.05 and metrics == {"success": False}


def test_an_image_the_daemon_forgot_is_put_again(deepeyes_daemon):
    """A restarted daemon has an empty store: the call meets 'no image with this handle is stored',
    the tool puts the instance's image again and the call succeeds."""
    tool = verl_tools.FoveaZoomTool({"type": "native", "socket": deepeyes_daemon.socket_path}, None)
    data = noise_image(140, 140, seed=2002)

    async def main():
        instance_id, _ = await tool.create(create_kwargs={"image": data})
        handle = tool._instances[instance_id]["handles"][0]
        assert (await tool.fovea.release(handle)) == {"image": handle, "released": True, "stored": False}
        puts = deepeyes_daemon.puts()
        response, reward, _ = await tool.execute(instance_id, {"bbox_2d": [0, 0, 56, 56]})
        await tool.release(instance_id)
        return response, reward, deepeyes_daemon.puts() - puts

    response, reward, puts = asyncio.run(main())
    assert reward == 0.0 and response.image[0].size == (56, 56) and puts == 1


def test_code_tool_keeps_the_trajectorys_session_across_instances(daemon, code_available):
    """ToolAgentLoop makes a new instance for every call; with agent_data the interpreter is the
    trajectory's, so a variable of the first call is there in the second."""
    from PIL import Image

    tool = verl_tools.FoveaCodeTool({"type": "native", "socket": daemon.socket_path, "conventions": "r1v4"}, None)
    image = Image.open(io.BytesIO(noise_image(120, 90, seed=2003)))
    agent_data = AgentData("code-trajectory-1")

    async def main():
        first = await call_like_the_agent_loop(tool, {"image": image}, {"code": "x = 41\nprint(image.size)"}, agent_data)
        second = await call_like_the_agent_loop(
            tool, {"image": image}, {"code": "print(x + 1)\nplt.imshow(image)\nplt.show()"}, agent_data)
        failed = await call_like_the_agent_loop(tool, {"image": image}, {"code": "undefined_name"}, agent_data)
        await tool.fovea.request("sessions/close", {"session": "verl-code-trajectory-1"})
        return first, second, failed

    (first, _, m1), (second, reward, m2), (failed, failed_reward, m3) = asyncio.run(main())
    assert first.text == '{"result": "(120, 90)", "type": "code"}' and first.image is None
    assert second.text == '{"result": "42", "type": "code"}' and reward == 0.0
    assert len(second.image) == 1 and isinstance(second.image[0], Image.Image)
    assert m1["session"] == m2["session"] == "verl-code-trajectory-1"
    assert failed_reward == -0.05 and "NameError: name 'undefined_name' is not defined" in failed.text


def test_code_tool_without_agent_data_closes_its_own_session_on_release(daemon, code_available):
    tool = verl_tools.FoveaCodeTool({"type": "native", "socket": daemon.socket_path}, None)

    async def main():
        instance_id, _ = await tool.create(create_kwargs={"image": noise_image(64, 64, seed=2004)})
        response, _, metrics = await tool.execute(instance_id, {"code": "y = 7\nprint(y * 6)"})
        live = [s["id"] for s in (await tool.fovea.stats())["code"]["sessions"]]
        await tool.release(instance_id)
        after = [s["id"] for s in (await tool.fovea.stats())["code"]["sessions"]]
        return response, metrics["session"], live, after

    response, session, live, after = asyncio.run(main())
    assert response.text == '{"result": "42", "type": "code"}'
    assert session in live and session not in after
