import CSeccomp

/// Reads the policy syntax (documented at the top of `policies/worker.policy`):
///
/// ```
/// # comment                                   (also after a rule)
/// SYSCALL allow
/// SYSCALL errno NAME-or-NUMBER
/// SYSCALL kill
/// SYSCALL ACTION if CONDITION [and CONDITION]...
///   CONDITION:  argN OP VALUE        OP: == != < <= > >=        N: 0...5
///               argN & MASK == VALUE (the bits of MASK in the argument equal VALUE)
///   VALUE:      a number (42, 0x10000, -100), a constant (CLONE_THREAD), constants and
///               numbers joined with | (CLONE_VM|CLONE_THREAD), SELF_PID, CHANNEL_FD or STDERR_FD
/// ```
///
/// A system call may have several conditional rules (a call matching any of them gets that
/// rule's action), but a rule without conditions, and any `kill` rule, must be the only rule
/// for its call, so no line can silently override another.
struct PolicyParser {
    let source: String
    /// Resolves a system call name to its number on this architecture, or nil.
    var resolve: (String) -> Int32? = { name in
        let number = fovea_seccomp_resolve(name)
        return number < 0 ? nil : number
    }

    init(source: String) {
        self.source = source
    }

    func parse(_ text: String) throws(PolicyError) -> SeccompPolicy {
        var rules: [PolicyRule] = []
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var content = Substring(line)
            if let hash = content.firstIndex(of: "#") { content = content[..<hash] }
            let tokens = try tokenize(content, line: lineNumber)
            guard !tokens.isEmpty else { continue }
            let rule = try parseRule(tokens, line: lineNumber)
            try checkConflicts(rule, with: rules)
            rules.append(rule)
        }
        return SeccompPolicy(source: source, rules: rules)
    }

    private func fail(_ line: Int, _ message: String) -> PolicyError {
        PolicyError(source: source, line: line, message: message)
    }

    // MARK: Tokens

    private enum Token: Equatable {
        case word(String)
        case number(UInt64, String)
        case symbol(String)

        var text: String {
            switch self {
            case .word(let text), .number(_, let text), .symbol(let text): return text
            }
        }
    }

    private static let symbols = ["==", "!=", "<=", ">=", "<", ">", "&", "|"]

    private func tokenize(_ text: Substring, line: Int) throws(PolicyError) -> [Token] {
        var tokens: [Token] = []
        var rest = text
        while let first = rest.first {
            if first == " " || first == "\t" || first == "\r" {
                rest = rest.dropFirst()
                continue
            }
            if let symbol = Self.symbols.first(where: { rest.hasPrefix($0) }) {
                tokens.append(.symbol(symbol))
                rest = rest.dropFirst(symbol.count)
                continue
            }
            let isWordCharacter: (Character) -> Bool = { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
            let word = rest.prefix(while: isWordCharacter)
            guard !word.isEmpty else {
                throw fail(line, "unexpected character '\(first)'")
            }
            rest = rest.dropFirst(word.count)
            if let firstCharacter = word.first, firstCharacter.isNumber || firstCharacter == "-" {
                guard let value = Self.number(word) else { throw fail(line, "'\(word)' is not a number") }
                tokens.append(.number(value, String(word)))
            } else {
                tokens.append(.word(String(word)))
            }
        }
        return tokens
    }

    /// Decimal, `0x` hexadecimal, or a negative decimal (as the 64-bit two's complement, the
    /// way an `int` argument such as `AT_FDCWD` reaches the kernel).
    private static func number(_ text: Substring) -> UInt64? {
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return UInt64(text.dropFirst(2), radix: 16) }
        if text.hasPrefix("-") { return Int64(text).map { UInt64(bitPattern: $0) } }
        return UInt64(text)
    }

    // MARK: Rules

    private func parseRule(_ tokens: [Token], line: Int) throws(PolicyError) -> PolicyRule {
        guard case .word(let name) = tokens[0] else {
            throw fail(line, "a rule starts with a system call name, found '\(tokens[0].text)'")
        }
        guard let number = resolve(name) else {
            throw fail(line, "'\(name)' is not a system call libseccomp \(SeccompFilter.libseccompVersion) knows on this architecture")
        }
        guard tokens.count >= 2 else {
            throw fail(line, "'\(name)' needs an action: allow, errno NAME, or kill")
        }
        var index = 2
        let action: PolicyAction
        switch tokens[1] {
        case .word("allow"):
            action = .allow
        case .word("kill"):
            action = .kill
        case .word("errno"):
            guard tokens.count >= 3 else { throw fail(line, "errno needs an error name or number, e.g. errno EACCES") }
            action = try errnoAction(tokens[2], line: line)
            index = 3
        default:
            throw fail(line, "unknown action '\(tokens[1].text)'; actions are allow, errno NAME, and kill")
        }
        var conditions: [ArgumentCondition] = []
        if index < tokens.count {
            guard tokens[index] == .word("if") else {
                throw fail(line, "expected 'if' after the action, found '\(tokens[index].text)'")
            }
            guard action != .kill else {
                throw fail(line, "kill takes no conditions: every call the policy does not allow is killed already")
            }
            index += 1
            while true {
                let condition = try parseCondition(tokens, at: &index, line: line)
                if let earlier = conditions.first(where: { $0.argument == condition.argument }) {
                    throw fail(line, "arg\(earlier.argument) is compared twice in one rule; libseccomp allows one comparison per argument")
                }
                conditions.append(condition)
                guard index < tokens.count else { break }
                guard tokens[index] == .word("and") else {
                    throw fail(line, "unexpected '\(tokens[index].text)' after a condition; join conditions with 'and'")
                }
                index += 1
            }
        }
        return PolicyRule(syscall: name, number: number, action: action, conditions: conditions, line: line)
    }

    private func errnoAction(_ token: Token, line: Int) throws(PolicyError) -> PolicyAction {
        switch token {
        case .number(let value, let text):
            guard value >= 1 && value <= 4095 else { throw fail(line, "errno \(text) is out of range: use 1...4095") }
            return .errno(code: UInt16(value), name: text)
        case .word(let name):
            guard let code = PolicyConstants.errnos[name] else {
                throw fail(line, "unknown errno '\(name)'; known names are \(PolicyConstants.errnos.keys.sorted().joined(separator: ", ")), or write the number")
            }
            return .errno(code: code, name: name)
        case .symbol(let text):
            throw fail(line, "errno needs an error name or number, found '\(text)'")
        }
    }

    private func parseCondition(_ tokens: [Token], at index: inout Int, line: Int) throws(PolicyError) -> ArgumentCondition {
        guard index < tokens.count else { throw fail(line, "expected a condition after '\(tokens[index - 1].text)'") }
        guard case .word(let name) = tokens[index], name.hasPrefix("arg"), name.count == 4,
              let argument = Int(name.dropFirst(3)), (0...5).contains(argument) else {
            throw fail(line, "expected an argument arg0...arg5, found '\(tokens[index].text)'")
        }
        index += 1
        guard index < tokens.count, case .symbol(let symbol) = tokens[index], symbol != "|" else {
            let found = index < tokens.count ? "'\(tokens[index].text)'" : "the end of the line"
            throw fail(line, "expected a comparison (== != < <= > >=) or '&' after \(name), found \(found)")
        }
        index += 1
        if symbol == "&" {
            let mask = try parseValue(tokens, at: &index, line: line, after: "&")
            guard case .literal(let maskBits) = mask else { throw fail(line, "the mask after '&' must be a number or constant") }
            guard index < tokens.count, tokens[index] == .symbol("==") else {
                throw fail(line, "a masked comparison is written 'argN & MASK == VALUE'")
            }
            index += 1
            let value = try parseValue(tokens, at: &index, line: line, after: "==")
            guard case .literal(let valueBits) = value else { throw fail(line, "the value of a masked comparison must be a number or constant") }
            guard valueBits & ~maskBits == 0 else {
                throw fail(line, "value \(hex(valueBits)) has bits outside the mask \(hex(maskBits)), so the condition never holds")
            }
            return ArgumentCondition(argument: argument, comparison: .maskedEqual, value: value, mask: maskBits)
        }
        let comparison = ArgumentCondition.Comparison(rawValue: symbol)!
        let value = try parseValue(tokens, at: &index, line: line, after: symbol)
        return ArgumentCondition(argument: argument, comparison: comparison, value: value)
    }

    /// `term ('|' term)*`; a contextual name (SELF_PID, CHANNEL_FD, STDERR_FD) stands alone.
    private func parseValue(_ tokens: [Token], at index: inout Int, line: Int, after previous: String) throws(PolicyError) -> PolicyValue {
        var bits: UInt64 = 0
        var terms = 0
        while true {
            guard index < tokens.count else {
                throw fail(line, "expected a value after '\(terms == 0 ? previous : "|")', found the end of the line")
            }
            switch tokens[index] {
            case .number(let value, _):
                bits |= value
            case .word(let name):
                if let contextual = PolicyConstants.contextual[name] {
                    let joined = terms > 0 || (index + 1 < tokens.count && tokens[index + 1] == .symbol("|"))
                    guard !joined else { throw fail(line, "\(name) cannot be combined with |") }
                    index += 1
                    return contextual
                }
                guard let value = PolicyConstants.values[name] else {
                    throw fail(line, "unknown constant '\(name)'")
                }
                bits |= value
            case .symbol(let symbol):
                throw fail(line, "expected a value after '\(terms == 0 ? previous : "|")', found '\(symbol)'")
            }
            index += 1
            terms += 1
            guard index < tokens.count, tokens[index] == .symbol("|") else { return .literal(bits) }
            index += 1
        }
    }

    // MARK: Conflicts

    private func checkConflicts(_ rule: PolicyRule, with earlier: [PolicyRule]) throws(PolicyError) {
        let sameCall = earlier.filter { $0.syscall == rule.syscall }
        guard let first = sameCall.first else { return }
        if let killed = sameCall.first(where: { $0.action == .kill }) {
            throw fail(rule.line, "'\(rule.syscall)' is listed as kill on line \(killed.line); a killed call may have no other rule")
        }
        if rule.action == .kill {
            throw fail(rule.line, "'\(rule.syscall)' already has a rule on line \(first.line); a killed call may have no other rule")
        }
        let key = { (conditions: [ArgumentCondition]) in conditions.sorted { $0.argument < $1.argument } }
        if let duplicate = sameCall.first(where: { key($0.conditions) == key(rule.conditions) }) {
            throw fail(rule.line, "duplicates the rule for '\(rule.syscall)' on line \(duplicate.line)")
        }
        if let unconditional = sameCall.first(where: { $0.conditions.isEmpty }) {
            throw fail(rule.line, "'\(rule.syscall)' already has a rule without conditions on line \(unconditional.line); such a rule must be the only one for its call")
        }
        if rule.conditions.isEmpty {
            throw fail(rule.line, "'\(rule.syscall)' has conditional rules (line \(first.line)); a rule without conditions must be the only one for its call")
        }
        // libseccomp 2.5 never returns from adding the second of two rules of one call that
        // share a condition other than an equality, each beside conditions on other arguments
        // (`arg0 < 16 and arg2 == 1`, then `arg0 < 16 and arg3 == 1`): found by FuzzPolicy.
        if rule.conditions.count > 1 {
            for condition in rule.conditions where condition.comparison != .equal && condition.comparison != .maskedEqual {
                if let other = sameCall.first(where: { $0.conditions.count > 1 && $0.conditions.contains(condition) }) {
                    throw fail(rule.line, "'\(rule.syscall)': the condition '\(condition)' is also in the rule on line \(other.line) "
                               + "beside other conditions, which libseccomp cannot compile (it never returns); "
                               + "give the shared condition an equality, or split the call's rules another way")
                }
            }
        }
    }
}
