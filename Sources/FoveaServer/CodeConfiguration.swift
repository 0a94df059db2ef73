import FoveaProtocol

/// The code tool's interpreters: where CPython and the runner are, and how each session's
/// interpreter is confined (`fovea serve --code-*` options; docs/CODE-RUNNER.md).
public struct CodeConfiguration: Sendable, Equatable {
    /// The virtual environment's interpreter (`--code-python`).
    public var python: String
    /// The directory holding the `fovea_runner` package (`runner/` of the repository).
    public var runnerDirectory: String
    /// Conventions of calls that name none (`--code-conventions`).
    public var conventions = "r1v4"
    /// Which DeepEyesV2 harness `deepeyesv2` imitates: `rl` (training) or `eval`
    /// (`--code-deepeyesv2-variant`).
    public var deepEyesV2Variant = "rl"
    /// Seconds a call may run (`--code-deadline`); a call's `timeout` may only lower it.
    public var deadlineSeconds: Double = 30
    /// Sessions alive at once (`--max-sessions`); the least recently used idle one ends first.
    public var maxSessions = 256
    /// Seconds an idle session lives (`--session-idle`).
    public var sessionIdleSeconds: Double = 600
    /// Extra modules the template imports (`--code-preload`).
    public var preload: [String] = []
    /// Code calls that run at once (each on its own interpreter).
    public var slots = 8
    /// Code calls that may wait before new ones get -32001.
    public var maxQueue = 256
    /// Each interpreter's `RLIMIT_AS` (its imports alone reserve about 2 GiB of address space).
    public var addressSpaceBytes: UInt64 = 8 << 30
    /// `RLIMIT_CPU` of an interpreter over its whole session.
    public var cpuSeconds: Int = 3600
    /// The size of an interpreter's private file system (a tmpfs: its working directory).
    public var workDirectoryBytes = 256 << 20
    /// `RLIMIT_FSIZE`: the largest file the code may write.
    public var fileBytes = 256 << 20
    /// Where the code runs (its cwd); Thyme's and GPT-style code expects `/mnt/data`.
    public var workDirectory = "/mnt/data"
    /// Interpreters run as uids `uidBase ..< uidBase + uidCount`, a different one each (never 0,
    /// never the daemon's).
    public var uidBase: UInt32 = 200_000
    public var uidCount: UInt32 = 100_000
    /// Largest scratch memfd lent for one output image (raw RGBA pixels).
    public var outputBytes = 64 << 20

    public init(python: String, runnerDirectory: String) {
        self.python = python
        self.runnerDirectory = runnerDirectory
    }

    /// The `child` settings of the template's `configure` message.
    var childSettings: JSONValue {
        [
            "uidBase": .int(Int(uidBase)), "uidCount": .int(Int(uidCount)), "workDirBytes": .int(workDirectoryBytes),
            "rlimits": ["as": .integer(Int64(addressSpaceBytes)), "cpu": .int(cpuSeconds), "nproc": 64,
                        "fsize": .int(fileBytes), "nofile": 256],
            "readOnly": ["<python>"], "workDir": .string(workDirectory),
        ]
    }

    /// The template's environment: thread pools of one (a fork after a pool started threads
    /// can deadlock the child), matplotlib's Agg backend and a private config directory.
    func templateEnvironment(home: String) -> [String] {
        ["OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1", "MKL_NUM_THREADS=1", "NUMEXPR_NUM_THREADS=1", "MPLBACKEND=Agg",
         "MPLCONFIGDIR=\(home)", "HOME=\(home)", "PYTHONDONTWRITEBYTECODE=1"]
    }
}
