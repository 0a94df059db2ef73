/// Whose harness the `code` tool imitates (SPEC §3.1, docs/CODE-CONVENTIONS.md): how images are
/// named in the code, what is pre-imported, how outputs are collected, which repairs are
/// applied to the code, and what the observation text looks like.
public enum CodeConventions: String, Sendable, CaseIterable {
    /// Skywork-R1V4: `{"result": …, "type": "code"}`; Fovea defines the sandbox side.
    case r1v4
    /// PyVision: `image_clue_0…`, `Text Result:`/`Image Result:`.
    case pyvision
    /// DeepEyesV2 (its RL environment): `image_1…`, a Jupyter-like cell, stdout/stderr blocks.
    case deepeyesv2
    /// Thyme: `image_path`, files under `./temp_processed_images/`, the code repaired first.
    case thyme
    /// Visual Sketchpad: a Jupyter kernel through autogen, `OBSERVATION: Execution success…`.
    case sketchpad
    /// Fovea's own least opinionated runner: stdout, stderr, the trailing expression, the
    /// traceback.
    case plain

    /// The harness's own time limit in seconds, used when a call gives no `timeout` (and
    /// never above the server's code deadline): PyVision 20 (`PythonExecutor`), DeepEyesV2
    /// 200 (the RL environment's `code_timeout`), Thyme 10 (`EXEC_TIME_LIMIT`), Sketchpad 60
    /// (autogen's `JupyterCodeExecutor`), Fovea's 30 for r1v4 and plain.
    public var harnessTimeout: Double {
        switch self {
        case .r1v4, .plain: return 30
        case .pyvision: return 20
        case .deepeyesv2: return 200
        case .thyme: return 10
        case .sketchpad: return 60
        }
    }
}

/// DeepEyesV2's two harnesses: the RL environment the model was trained in (the default) and
/// the VLMEvalKit evaluation, which differs in the observation (not stripped, always ending
/// `Images:\n`), the input image (smart-resized and re-saved) and the images returned (white
/// ones dropped, JPEG quality 75).
public enum DeepEyesV2Variant: String, Sendable, CaseIterable {
    case rl, eval
}

/// Server-side choices about a family's harness that a call does not make itself.
public struct CodeHarnessOptions: Sendable, Equatable {
    /// Which DeepEyesV2 harness `deepeyesv2` imitates (`--code-deepeyesv2-variant`).
    public var deepEyesV2Variant: DeepEyesV2Variant

    public init(deepEyesV2Variant: DeepEyesV2Variant = .rl) {
        self.deepEyesV2Variant = deepEyesV2Variant
    }
}
