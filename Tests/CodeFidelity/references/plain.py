"""Fovea's ``plain`` conventions: the least opinionated Jupyter-like runner,
for models without a harness of their own.  Nothing here comes from a
third-party source; it is defined by Fovea (``docs/CODE-CONVENTIONS.md``).

- Images: PIL images ``image_1``, ``image_2``, … (and ``image`` = ``image_1``)
  in the mode the file decodes to; also the files at the paths given.
- Nothing is pre-imported.
- One interpreter per session; calls compile as ``<call-N>``.
- Outputs: ``plt.show()`` saves every open figure with matplotlib's default
  ``savefig`` arguments (``fig.savefig(buf, format='png')``) and closes them
  all; ``display(x)`` shows a PIL image (copied) or a matplotlib Figure (saved
  like ``plt.show()``), anything else is printed as ``repr(x)``.  Files are
  not collected.  Figures never shown are discarded at the end of the call.
- A trailing expression (the last top-level statement, when it is an
  expression) is evaluated and its ``repr`` is ``result`` unless ``None``.
- ``text`` = stdout + stderr + (``result + "\\n"`` if any) + (the traceback,
  model frames only, if an exception) + (the deadline sentence if stopped),
  concatenated as is.
"""

from __future__ import annotations

from . import _simple, common


class Reference(_simple.SimpleSession):
    family = "plain"
    prelude = ""
    savefig_kwargs: dict = {}
    with_display = True
    with_trailing_expression = True
    collect_files = False
    image_mode = "own"

    def finish(self, stdout, stderr, result, exc, tb, timed_out, images) -> dict:
        text = stdout + stderr
        if result is not None:
            text += result + "\n"
        if exc is not None:
            text += tb
        error = common.error_info(exc)
        if timed_out:
            msg = _simple.deadline_message(self.timeout)
            text += msg + "\n"
            error = {"type": "TimeoutError", "message": msg}
        parts = [{"type": "text", "text": text}] + [{"type": "image", "index": i} for i in range(len(images))]
        return common.make_result(stdout=stdout, stderr=stderr, result=result, error=error, text=text,
                                  images=images, parts=parts, harness={"traceback": tb or None})
