/// A seccomp policy as a reviewer reads it: one rule per line of `policies/worker.policy`, in
/// file order, each with the line it came from. Anything the policy does not allow kills the
/// process (`SCMP_ACT_KILL_PROCESS`); see docs/SANDBOX.md for the syntax and every rule's reason.
///
/// ```swift
/// let policy = try SeccompPolicy(parsing: "read allow\nopenat errno EACCES\n")
/// let filter = try SeccompFilter(policy, context: .current(channelDescriptor: 3))
/// try filter.load()
/// ```
public struct SeccompPolicy: Sendable, Equatable {
    /// Where the text came from, for error messages (`policies/worker.policy`).
    public var source: String
    public var rules: [PolicyRule]

    public init(source: String = "policy", rules: [PolicyRule]) {
        self.source = source
        self.rules = rules
    }

    /// Parses `text`; the first error stops parsing and names its line.
    public init(parsing text: String, source: String = "policy") throws(PolicyError) {
        self = try PolicyParser(source: source).parse(text)
    }

    /// The rules for `syscall`, in file order.
    public func rules(for syscall: String) -> [PolicyRule] {
        rules.filter { $0.syscall == syscall }
    }
}

/// One line of a policy: `SYSCALL ACTION [if CONDITION [and CONDITION]...]`.
public struct PolicyRule: Sendable, Equatable {
    public var syscall: String
    /// The system call's number on this architecture (from libseccomp).
    public var number: Int32
    public var action: PolicyAction
    /// All must hold (libseccomp ANDs the comparisons of one rule).
    public var conditions: [ArgumentCondition]
    /// 1-based line in the policy text.
    public var line: Int

    public init(syscall: String, number: Int32, action: PolicyAction, conditions: [ArgumentCondition] = [], line: Int) {
        self.syscall = syscall
        self.number = number
        self.action = action
        self.conditions = conditions
        self.line = line
    }
}

/// What a matching call gets.
public enum PolicyAction: Sendable, Equatable, CustomStringConvertible {
    /// The call runs.
    case allow
    /// The call fails with -1 and `errno` set to `code` (`name` as written, e.g. `EACCES`).
    case errno(code: UInt16, name: String)
    /// The process dies with SIGSYS. The filter's default: such lines document and guard (a
    /// killed call may have no other rule) but add nothing to the compiled filter.
    case kill

    public var description: String {
        switch self {
        case .allow: return "allow"
        case .errno(_, let name): return "errno \(name)"
        case .kill: return "kill"
        }
    }
}

/// `argN OP VALUE` or `argN & MASK == VALUE`, compared on the full 64-bit register.
public struct ArgumentCondition: Sendable, Equatable, CustomStringConvertible {
    public enum Comparison: String, Sendable, CaseIterable {
        case equal = "=="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        /// `(arg & mask) == value`.
        case maskedEqual = "&=="
    }

    /// 0...5.
    public var argument: Int
    public var comparison: Comparison
    /// For ``Comparison/maskedEqual`` only.
    public var mask: UInt64
    public var value: PolicyValue

    public init(argument: Int, comparison: Comparison, value: PolicyValue, mask: UInt64 = 0) {
        self.argument = argument
        self.comparison = comparison
        self.value = value
        self.mask = mask
    }

    public var description: String {
        comparison == .maskedEqual
            ? "arg\(argument) & \(hex(mask)) == \(value)"
            : "arg\(argument) \(comparison.rawValue) \(value)"
    }
}

/// A number in a condition: a literal (numbers and constants joined with `|` are folded when
/// parsed) or a value only known in the process that loads the filter.
public enum PolicyValue: Sendable, Equatable, CustomStringConvertible {
    case literal(UInt64)
    /// `SELF_PID`: the worker's own process id (`getpid()`).
    case selfPID
    /// `CHANNEL_FD`: the worker's channel descriptor.
    case channelDescriptor
    /// `STDERR_FD`: 2 when the worker keeps stderr (`--worker-stderr`), else a value no
    /// descriptor has (stderr is closed, and descriptor 2 may be a memfd).
    case stderrDescriptor

    public var description: String {
        switch self {
        case .literal(let value): return hex(value)
        case .selfPID: return "SELF_PID"
        case .channelDescriptor: return "CHANNEL_FD"
        case .stderrDescriptor: return "STDERR_FD"
        }
    }

    /// The number to compare with, given the values of the process that loads the filter.
    public func resolved(in context: PolicyContext) -> UInt64 {
        switch self {
        case .literal(let value): return value
        case .selfPID: return UInt64(context.processID)
        case .channelDescriptor: return UInt64(context.channelDescriptor)
        case .stderrDescriptor: return context.stderrDescriptor.map { UInt64($0) } ?? UInt64.max
        }
    }
}

/// The values `SELF_PID`, `CHANNEL_FD` and `STDERR_FD` stand for when a policy is compiled.
public struct PolicyContext: Sendable, Equatable {
    public var processID: Int32
    public var channelDescriptor: Int32
    /// nil when the worker has no stderr.
    public var stderrDescriptor: Int32?

    public init(processID: Int32, channelDescriptor: Int32, stderrDescriptor: Int32? = nil) {
        self.processID = processID
        self.channelDescriptor = channelDescriptor
        self.stderrDescriptor = stderrDescriptor
    }
}

/// A policy that cannot be used, naming the line: `policies/worker.policy:12: unknown
/// constant 'CLONE_THRED'`.
public struct PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: String
    /// 1-based; 0 when the error is about the policy as a whole.
    public var line: Int
    public var message: String

    public init(source: String, line: Int, message: String) {
        self.source = source
        self.line = line
        self.message = message
    }

    public var description: String {
        line > 0 ? "\(source):\(line): \(message)" : "\(source): \(message)"
    }
}

func hex(_ value: UInt64) -> String { value < 10 ? String(value) : "0x" + String(value, radix: 16) }
