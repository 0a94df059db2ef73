"""Checks the references against facts quoted from the harness sources.

Run: ``/work/venv-ref/bin/python -m pytest Tests/CodeFidelity/test_references.py``
(any venv with requirements.txt installed).  Each test names the source the
expected value comes from; a test failing means a reference drifted from its
harness (or the pinned library versions changed).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import images as test_images  # noqa: E402
from references import deepeyesv2, plain, pyvision, r1v4, sketchpad, thyme  # noqa: E402


@pytest.fixture
def photo(tmp_path):
    path = test_images.write_image("photo", str(tmp_path))
    return test_images.load_file(path), os.path.basename(path), str(tmp_path)


# ---------------------------------------------------------------- PyVision
# safe_persis_shared_vis_python_exe.py / vis_inference_demo_gpt.py


def test_pyvision_observation_format(photo):
    img, _, wd = photo
    ref = pyvision.Reference([(img, None)], wd)
    res = ref.run("print('hello')\nplt.plot([1, 2])\nplt.show()")
    # update_messages_with_execute_content: f"<interpreter>\nText Result:\n{text_result}\nImage Result:\n"
    # + "<image_clue_{idx}>" + image + "</image_clue_{idx}>"; idx starts at len(image_path_list)
    assert res["text"] == "\nText Result:\nhello\nImage Result:\n<image_clue_1></image_clue_1>"
    assert res["parts"] == [
        {"type": "text", "text": "\nText Result:\nhello\nImage Result:\n"},
        {"type": "text", "text": "<image_clue_1>"},
        {"type": "image", "index": 0},
        {"type": "text", "text": "</image_clue_1>"},
    ]
    # plt.savefig(buf, format='png') with default args: 6.4x4.8 in at 100 dpi
    assert res["images"][0].size == (640, 480)
    assert res["images"][0].mode == "RGBA"
    # numbering continues across calls
    res2 = ref.run("plt.plot([0])\nplt.show()")
    assert res2["text"].endswith("<image_clue_2></image_clue_2>")


def test_pyvision_empty_results(photo):
    img, _, wd = photo
    ref = pyvision.Reference([(img, None)], wd)
    # result = {'text': result} if result else {} -> exe_result[0]['text'] KeyError -> None; images None -> "None"
    assert ref.run("x = 1")["text"] == "\nText Result:\nNone\nImage Result:\nNone"


def test_pyvision_errors_and_truncation(photo):
    img, _, wd = photo
    ref = pyvision.Reference([(img, None)], wd)
    # 'report': f'Error: {str(e)}' and "<interpreter>{error_result}</interpreter>"
    res = ref.run("print('lost')\nprint(nope)")
    assert res["text"] == "Error: name 'nope' is not defined"
    assert res["error"]["type"] == "NameError"
    # truncate(max_length=400): s[:200] + "..." + s[-200:]
    res = ref.run("print('a' * 300 + 'b' * 300)")
    body = res["text"].split("Text Result:\n")[1].split("\nImage Result:")[0]
    assert body == "a" * 200 + "..." + "b" * 200
    # regex r"(\s|^)?(input|os\.system|subprocess)\(" -> RuntimeError("Forbidden function calls detected")
    assert ref.run("def read_input(x):\n    return x")["text"] == "Error: Forbidden function calls detected"


def test_pyvision_show_replacement_semantics(photo):
    img, _, wd = photo
    ref = pyvision.Reference([(img, None)], wd)
    # "plt.show()" replaced by column-0 capture lines ending with plt.close() (current figure only)
    res = ref.run("f1 = plt.figure()\nplt.plot([1])\nf2 = plt.figure()\nplt.plot([2])\nplt.show()\nprint(plt.get_fignums())")
    assert "[1]" in res["text"] and len(res["images"]) == 1
    res = ref.run("for i in range(2):\n    plt.plot([i])\n    plt.show()\n    print(i)")
    assert res["error"]["type"] == "IndentationError"
    # images are RGB-converted inputs named image_clue_0
    res = ref.run("print(image_clue_0.mode, type(np).__name__, type(io).__name__, type(base64).__name__)")
    assert "RGB module module module" in res["text"]


def test_pyvision_timeout(photo):
    img, _, wd = photo
    ref = pyvision.Reference([(img, None)], wd, timeout=0.5)
    # PersistentWorker.execute: queue.Empty -> 'report': 'Timeout Error'
    assert ref.run("while True:\n    pass")["text"] == "Timeout Error"


# -------------------------------------------------------------- DeepEyesV2
# deepeyesv2.py (verl env), prompt.py, MultiModal-Jupyter-Sandbox fast_api_server.py


def test_deepeyesv2_observation_template(photo):
    img, _, wd = photo
    ref = deepeyesv2.Reference([(img, None)], wd)
    res = ref.run("print('a')")
    assert res["text"] == "Code execution result:\nstdout:\n```\na\n\n```\n\nstderr:\n```\n\n```"
    res = ref.run("import matplotlib.pyplot as plt\nplt.imshow(image_1)\nplt.axis('off')\nplt.show()")
    # image="Images:\n" + "<image>" * len(image_list) ... .strip()
    assert res["text"].endswith("```\n\nImages:\n<image>")
    w, h = res["images"][0].size
    # fig.tight_layout(); fig.savefig(buf, bbox_inches='tight', format='png') crops the canvas
    assert w < 640 and h < 480


def test_deepeyesv2_trailing_expression_and_errors(photo):
    img, _, wd = photo
    ref = deepeyesv2.Reference([(img, None)], wd)
    res = ref.run("1 + 1")
    assert res["stdout"] == "Out[1]: 2\n" and res["result"] == "2"
    res = ref.run("print(undefined_name)")
    assert res["stdout"] == ""
    assert "Cell In[1], line 1" in res["stderr"]
    assert res["stderr"].rstrip().endswith("NameError: name 'undefined_name' is not defined")
    assert "\x1b" not in res["stderr"]
    # is_valid_python -> 'stderr': f'SyntaxError - {errmsg}'
    res = ref.run("x = (1,")
    assert res["stderr"].startswith("SyntaxError - ")
    assert res["text"].endswith("stderr:\n```\n" + res["stderr"] + "\n```")


def test_deepeyesv2_fix_python_indentation():
    code = "for i in range(2):\n    x = i\nprint(x)\nif x:\n  y = 1\nelse:\n        y = 2"
    fixed = deepeyesv2.fix_python_indentation(code)
    # nothing lowers the depth but except/elif/else/finally: print stays in the loop body
    assert fixed == "for i in range(2):\n    x = i\n    print(x)\n    if x:\n        y = 1\n    else:\n        y = 2\n"


def test_deepeyesv2_session_semantics(photo):
    img, _, wd = photo
    ref = deepeyesv2.Reference([(img, None)], wd)
    ref.run("import numpy as np\na = np.arange(3)\ng = (i for i in range(3))")
    # cloudpickle-filtered namespace: arrays survive, generators do not
    assert ref.run("print(a.sum())")["stdout"] == "3\n"
    assert ref.run("print(next(g))")["error"]["type"] == "NameError"
    # SAFE_PREFIX + INITIALIZATION_CODE_TEMPLATE names
    res = ref.run("names = dir()\nprint(sorted(n for n in ['os', 'sys', 'plt', 'Image', 'BytesIO', 'base64', "
                  "'_img_base64', 'image_1'] if n in names))")
    assert res["stdout"] == "['BytesIO', 'Image', '_img_base64', 'base64', 'image_1', 'os', 'plt', 'sys']\n"
    # max_images_per_round = 10
    res = ref.run("import matplotlib.pyplot as plt\n" + "".join(f"plt.figure(); plt.plot([{i}])\n" for i in range(12)) + "plt.show()")
    assert len(res["images"]) == 10 and res["text"].endswith("<image>" * 10)


def test_deepeyesv2_timeouts(photo):
    img, _, wd = photo
    ref = deepeyesv2.Reference([(img, None)], wd, timeout=0.5)
    res = ref.run("import time\ntime.sleep(3)")
    # time_limit -> TimeoutException("Timed out!") shown by IPython's traceback
    assert res["stderr"].rstrip().endswith("TimeoutException: Timed out!")
    assert deepeyesv2.HARD_TIMEOUT_STDERR == "TimeOutError: code execution timed out"
    assert ref.run("   \n\n")["text"] == "Code execution error"


def test_deepeyesv2_maybe_resize_image():
    small = Image.new("RGB", (20, 100))
    out = deepeyesv2.maybe_resize_image(small)
    assert out.size == (32, 160)
    assert deepeyesv2.smart_resize(600, 800) == (588, 812)


# ------------------------------------------------------------------- Thyme
# eval/VLMEvalKit/vlmeval/vlm/thyme/sandbox.py and model.py


def _thyme(photo, **kw):
    img, name, wd = photo
    return thyme.Reference([(img, name)], wd, **kw)


def test_thyme_repairs_applied(photo):
    ref = _thyme(photo)
    code = ("    import os\nimage_path = 'hr_bench_4k/179.jpg'\nimage = cv.imread(image_path)\n"
            "x1, y1, x2, y2 = 10, 10, 20, 20\nratio = 1 / 3\nprint(f'{ratio:.2f}')\n"
            "crop = image[y1:y2, x1:x2]\nprocessed_path = '/mnt/data/temp_processed_images/c.png'\n"
            "cv.imwrite(processed_path, crop)\nprint(processed_path)")
    res = ref.run(code)
    ran = res["harness"]["code"]
    assert "image_path = 'photo.jpg'" in ran  # ImagePathTransformer
    assert "x1, y1, x2, y2 = (10, 10, 74, 74)" in ran  # MIN_CROP_DIMENSION = 64
    assert "cv2.imread" in ran and "cv.imread" not in ran  # OpenCVNamespaceTransformer
    assert "./temp_processed_images/c.png" in ran  # '/mnt/data/temp_processed_images/' remapped
    assert ":.8f}" in ran  # re.sub(r':\.\d{1}f}', ':.8f}', ...)
    assert not res["harness"]["discarded"]
    assert res["images"][0].size == (64, 64)
    assert res["text"] == ""


def test_thyme_first_line_alignment():
    # align_first_line_to_second: a first line that opens a block is indented like its body
    assert thyme.align_first_line_to_second("for i in x:\n    pass") == "    for i in x:\n    pass"
    assert thyme.align_first_line_to_second("  a = 1\nb = 2") == "a = 1\nb = 2"


def test_thyme_clamp_arithmetic():
    assert thyme.clamp_coordinates(780, 590, 900, 700, 800, 600) == [736.0, 536.0, 800.0, 600.0]
    assert thyme.clamp_coordinates(50, 50, 10, 10, 40, 30) == [0.0, 0.0, 40.0, 30.0]


def test_thyme_text_output_and_discard(photo):
    ref = _thyme(photo)
    res = ref.run("value = 6 * 7\nprint(value)")
    # processed_paths_list.append(full_print_output) when no image path and the dir is not in the code
    assert res["text"] == "42" and res["parts"] == [{"type": "text", "text": "42"}]
    res = ref.run("print(value + missing)")
    assert res["harness"]["discarded"] and res["text"] == ""
    assert res["harness"]["message"] == "Sandbox for N/A: Code execution failed: name 'missing' is not defined"
    # rolled back to the state before the failed call, which still has value
    assert ref.run("print(value)")["text"] == "42"
    res = ref.run("import sys\nprint(sys.version)")
    assert res["harness"]["message"] == ("Sandbox for N/A: Code contains potentially dangerous system operations "
                                         "such as remove. Execution denied.")
    # restricted builtins: no set()
    assert ref.run("print(set([1]))")["error"]["message"] == "name 'set' is not defined"


def test_thyme_timeout(photo):
    ref = _thyme(photo, timeout=0.5)
    # (a first line opening a block would be broken by align_first_line_to_second)
    res = ref.run("x = 0\nwhile True:\n    x += 1")
    assert res["harness"]["discarded"]
    # the exec's own `except Exception` catches timeout_decorator.TimeoutError: str() is "'Timed Out'"
    assert res["harness"]["message"] == "Sandbox for N/A: Code execution failed: 'Timed Out'"


# --------------------------------------------------------------- Sketchpad
# agent/execution.py, agent/prompt.py, agent/parse.py, autogen 0.2.26 jupyter executor


def test_sketchpad_success_and_images(photo):
    img, name, wd = photo
    ref = sketchpad.Reference([(img, name)], wd)
    res = ref.run("print('hi')\ndisplay(image_1.crop((0, 0, 20, 10)))")
    assert res["text"].startswith("OBSERVATION: Execution success. The output is as follows:\nhi\n\n<img src='")
    assert res["text"].endswith("'>\n\nPlease generate the next THOUGHT and ACTION. If you can get the answer, "
                                "please also reply with ANSWER: <your answer> and ends with TERMINATE.")
    assert len(res["images"]) == 1 and res["images"][0].size == (20, 10) and res["images"][0].mode == "RGB"


def test_sketchpad_error_and_cell_numbers(photo):
    img, name, wd = photo
    ref = sketchpad.Reference([(img, name)], wd)
    res = ref.run("print('gone')\nprint(missing)")
    assert res["text"].startswith("OBSERVATION: Execution error. Exit code: 1, Output:\n"
                                  "ERROR: ERROR: NameError: name 'missing' is not defined\n\n---")
    assert "Cell In[3], line 2" in res["text"]  # init cell, image cell, then the model's
    assert "\ngone\n" not in res["text"]  # the cell's stdout is dropped (only the traceback shows the source)
    assert res["text"].endswith("\nPlease fix the error and generate the fixed code, in the next THOUGHT and ACTION.")


def test_sketchpad_parser_and_timeout_text():
    # Parser.parse: content.replace("\\", "") and compile(content, "prog.py", "exec")
    assert sketchpad.parse_error_message("ERROR: ERROR: Timeout waiting for output from code block.") == \
        "ERROR: ERROR: Timeout waiting for output from code block\n\n"
    out = sketchpad.result_processor(0, "<PIL.Image.Image image mode=RGB size=2x2>\nImage data saved to /x.png",
                                     ["/x.png"])
    assert out == "<img src='/x.png'>\n"


def test_sketchpad_backslashes(tmp_path):
    ref = sketchpad.Reference([], str(tmp_path))
    assert "anb\n" in ref.run("print('a\\nb')")["text"]


# ------------------------------------------------------------ R1V4 / plain


def test_r1v4_sample_observation(photo):
    img, name, wd = photo
    ref = r1v4.Reference([(img, name)], wd)
    # parse_utils.py sample: print('hello') -> {"result": "hello", "type": "code"}
    assert ref.run("print('hello')")["text"] == '{"result": "hello", "type": "code"}'
    res = ref.run("image.crop((0, 0, 10, 10)).save('c.png')\nplt.plot([1])\nplt.show()\nprint(1/0)")
    body = json.loads(res["text"])["result"]
    assert body.startswith("Traceback (most recent call last):\n  File \"<call-2>\", line 4, in <module>")
    assert body.endswith("ZeroDivisionError: division by zero")
    assert [im.size for im in res["images"]][1] == (10, 10)


def test_plain_trailing_expression(photo):
    img, name, wd = photo
    ref = plain.Reference([(img, name)], wd)
    res = ref.run("x = 20\nx * 2")
    assert res["result"] == "40" and res["text"] == "40\n"


# ------------------------------------------------------------ images / CLI


def test_images_deterministic():
    a = np.asarray(test_images.get_image("photo"))
    b = np.asarray(test_images.get_image("photo"))
    assert a.shape == (600, 800, 3) and (a == b).all()
    assert test_images.get_image("rgba").mode == "RGBA"
    assert test_images.get_image("gray").mode == "L"
    assert test_images.get_image("small").size == (64, 48)


def test_run_reference_cli(tmp_path):
    out = tmp_path / "out"
    cmd = [sys.executable, os.path.join(HERE, "run_reference.py"), "--out", str(out), "--quiet",
           "--only", "pyvision-crop-imshow", "--only", "thyme-small-crop-clamped"]
    subprocess.run(cmd, check=True, cwd=HERE)
    recs = json.loads((out / "pyvision-crop-imshow.json").read_text())
    assert recs[0]["text"].startswith("\nText Result:\n(310, 110)\nImage Result:\n<image_clue_1>")
    assert (out / "pyvision-crop-imshow" / "1-1.png").exists()
    assert len(recs[0]["images"][0]["sha256"]) == 64
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "family": "nope", "images": [], "calls": []}\n')
    r = subprocess.run([sys.executable, os.path.join(HERE, "run_reference.py"), "--corpus", str(bad),
                        "--out", str(out)], cwd=HERE, capture_output=True)
    assert r.returncode == 1
