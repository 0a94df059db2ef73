"""Skywork-R1V4 reference: Fovea's own ``r1v4`` conventions.

What the sources fix (SkyworkAI/Skywork-R1V @ b806cef):
- ``r1v4/parse_utils.py`` (``parse_full_response`` and its sample): the tool
  call is ``<tool_call>{"name": "code", "arguments": {"code": "<python>"}}
  </tool_call>`` and the observation ``<observation>{"result": "<text>",
  "type": "code"}</observation>``, both JSON; the sample shows ``print('hello')``
  answered by ``{"result": "hello", "type": "code"}`` (no trailing newline).
- ``r1v4/visual.py`` (``extract_images_from_response``): images produced by
  the tool come back inside the response as ``data:image/<fmt>;base64,…``.
- The paper's system prompt refers to images by "local image path".
The sandbox itself is closed: names, limits, error text and figure handling
are not published.  The choices below are Fovea's (``docs/CODE-CONVENTIONS.md``).

Fovea's ``r1v4`` contract (as implemented here):
- Images: files at the paths the agent gives (the reference: in the workdir),
  and PIL images ``image`` (the first) and ``image_1``, ``image_2``, … in the
  mode the file decodes to (``image`` and ``image_1`` are the same object).
- Pre-imported: ``os``, ``io``, ``math``, ``numpy as np``,
  ``matplotlib.pyplot as plt`` (Agg), ``from PIL import Image``, ``cv2``.
- One interpreter (globals dict) per session; calls compile as ``<call-N>``.
- ``plt.show()`` saves every open figure (``fig.savefig(buf, format='png',
  bbox_inches='tight')``, figure dpi) and closes them all; figures never
  shown are discarded at the end of the call.  Image files (.png .jpg .jpeg
  .webp .bmp .gif .tif .tiff) created or changed anywhere under the working
  directory during the call are collected too.  Order: the figures in show
  order, then the files by relative path.
- ``result`` text: the stdout; on an exception, the stdout followed (on a new
  line) by CPython's traceback limited to the model's own frames
  (``Traceback (most recent call last):`` … ``NameError: …``; a SyntaxError
  shows only its caret block); then ``.strip()``.  A deadline adds
  ``code ran longer than 30 s and was stopped; the session's variables are
  gone`` and the session starts over.  stderr is not part of it.
- ``text`` (the observation's JSON, inside ``<observation>``):
  ``json.dumps({"result": result_text, "type": "code"}, ensure_ascii=False)``.
- No trailing-expression echo, no ``display()``.
"""

from __future__ import annotations

import json

from . import _simple, common

PRELUDE = """import os
import io
import math
import numpy as np
import matplotlib
import matplotlib.pyplot as plt
from PIL import Image
import cv2
"""


class Reference(_simple.SimpleSession):
    family = "r1v4"
    prelude = PRELUDE
    savefig_kwargs = {"bbox_inches": "tight"}
    with_display = False
    with_trailing_expression = False
    collect_files = True
    image_mode = "own"

    def finish(self, stdout, stderr, result, exc, tb, timed_out, images) -> dict:
        body = stdout
        extra = ""
        if exc is not None:
            extra = tb
        elif timed_out:
            extra = _simple.deadline_message(self.timeout)
        if extra:
            if body and not body.endswith("\n"):
                body += "\n"
            body += extra
        result_text = body.strip()
        text = json.dumps({"result": result_text, "type": "code"}, ensure_ascii=False)
        error = common.error_info(exc)
        if timed_out:
            error = {"type": "TimeoutError", "message": _simple.deadline_message(self.timeout)}
        parts = [{"type": "text", "text": text}] + [{"type": "image", "index": i} for i in range(len(images))]
        return common.make_result(stdout=stdout, stderr=stderr, result=None, error=error, text=text,
                                  images=images, parts=parts,
                                  harness={"result_text": result_text, "traceback": tb or None,
                                           "wrapper": ["<observation>", "</observation>"]})
