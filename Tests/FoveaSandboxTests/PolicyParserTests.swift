import CLinux
import Glibc
import Testing
@testable import FoveaSandbox

/// The policy syntax of policies/worker.policy: every form it accepts and every error it
/// reports, with the line named.
@Suite struct PolicyParserTests {
    func parse(_ text: String) throws(PolicyError) -> SeccompPolicy {
        try SeccompPolicy(parsing: text, source: "test.policy")
    }

    /// The message for `text`, which must fail.
    func error(_ text: String) -> String {
        do {
            _ = try parse(text)
            return "parsed without error"
        } catch {
            return error.description
        }
    }

    @Test func actionsAllowErrnoByNameOrNumberAndKill() throws {
        let policy = try parse("""
            read allow
            openat errno EACCES
            clone3 errno 38
            socket kill
            """)
        #expect(policy.rules.map(\.syscall) == ["read", "openat", "clone3", "socket"])
        #expect(policy.rules.map(\.action) == [.allow, .errno(code: 13, name: "EACCES"), .errno(code: 38, name: "38"), .kill])
        #expect(policy.rules.map(\.line) == [1, 2, 3, 4])
        #expect(policy.rules[0].number == 0 && policy.rules[1].number == 257)  // x86-64 numbers
    }

    @Test func commentsBlankLinesAndSpacingAreIgnored() throws {
        let policy = try parse("""
            # a comment line

            \tread   \t allow   # why read is allowed
               write allow#no space before the comment
            """)
        #expect(policy.rules.map(\.syscall) == ["read", "write"])
        #expect(policy.rules.map(\.line) == [3, 4])
    }

    @Test func everyComparisonOperator() throws {
        let policy = try parse("""
            fcntl allow if arg1 == 1
            prctl allow if arg0 != 4
            tgkill allow if arg2 < 32
            tkill allow if arg1 <= 31
            kill allow if arg0 > 0
            lseek allow if arg2 >= 0
            """)
        #expect(policy.rules.map { $0.conditions[0].comparison } == [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual])
        #expect(policy.rules.map { $0.conditions[0].argument } == [1, 0, 2, 1, 0, 2])
    }

    @Test func maskedComparisonWithConstantsJoinedByBar() throws {
        let policy = try parse("clone allow if arg0 & CLONE_VM|CLONE_THREAD == CLONE_VM|CLONE_THREAD")
        let condition = try #require(policy.rules.first?.conditions.first)
        #expect(condition == ArgumentCondition(argument: 0, comparison: .maskedEqual, value: .literal(0x10100), mask: 0x10100))
        #expect(condition.description == "arg0 & 0x10100 == 0x10100")
    }

    @Test func operatorsNeedNoSpaces() throws {
        let spaced = try parse("clone allow if arg0 & CLONE_THREAD == CLONE_THREAD")
        let tight = try parse("clone allow if arg0&CLONE_THREAD==CLONE_THREAD")
        #expect(spaced.rules[0].conditions == tight.rules[0].conditions)
    }

    @Test func numbersInDecimalHexAndNegative() throws {
        let policy = try parse("""
            fcntl allow if arg1 == 1033
            prctl allow if arg0 == 0x53564d41
            openat errno EACCES if arg0 == -100
            """)
        #expect(policy.rules.map { $0.conditions[0].value } == [.literal(1033), .literal(0x5356_4d41), .literal(UInt64(bitPattern: -100))])
    }

    @Test func severalConditionsJoinedWithAnd() throws {
        let policy = try parse("mmap allow if arg2 & PROT_EXEC == 0 and arg3 & MAP_SHARED == MAP_SHARED and arg4 == CHANNEL_FD")
        #expect(policy.rules[0].conditions.map(\.argument) == [2, 3, 4])
        #expect(policy.rules[0].conditions[2].value == .channelDescriptor)
    }

    @Test func contextualValuesResolveWhenCompiled() throws {
        let policy = try parse("tgkill allow if arg0 == SELF_PID\nsendmsg allow if arg0 == CHANNEL_FD\nwrite allow if arg0 == STDERR_FD")
        let context = PolicyContext(processID: 4242, channelDescriptor: 3)
        #expect(policy.rules[0].conditions[0].value.resolved(in: context) == 4242)
        #expect(policy.rules[1].conditions[0].value.resolved(in: context) == 3)
        #expect(policy.rules[2].conditions[0].value.resolved(in: context) == UInt64.max)  // no stderr: matches no descriptor
        #expect(policy.rules[2].conditions[0].value.resolved(in: PolicyContext(processID: 1, channelDescriptor: 3, stderrDescriptor: 2)) == 2)
    }

    @Test func severalConditionalRulesForOneCall() throws {
        let policy = try parse("""
            fcntl allow if arg1 == F_GET_SEALS
            fcntl allow if arg1 == F_ADD_SEALS
            newfstatat errno EACCES if arg3 & AT_EMPTY_PATH == 0
            newfstatat allow if arg3 & AT_EMPTY_PATH == AT_EMPTY_PATH
            """)
        #expect(policy.rules(for: "fcntl").count == 2)
        #expect(policy.rules(for: "newfstatat").map(\.action) == [.errno(code: 13, name: "EACCES"), .allow])
    }

    // MARK: Errors, each naming its line

    @Test func unknownSystemCall() {
        #expect(error("read allow\nopne allow") == "test.policy:2: 'opne' is not a system call libseccomp \(SeccompFilter.libseccompVersion) knows on this architecture")
    }

    @Test func ruleMustStartWithAName() {
        #expect(error("== allow") == "test.policy:1: a rule starts with a system call name, found '=='")
        #expect(error("42 allow") == "test.policy:1: a rule starts with a system call name, found '42'")
    }

    @Test func missingOrUnknownAction() {
        #expect(error("read") == "test.policy:1: 'read' needs an action: allow, errno NAME, or kill")
        #expect(error("read deny") == "test.policy:1: unknown action 'deny'; actions are allow, errno NAME, and kill")
    }

    @Test func errnoNeedsAKnownNameOrANumberInRange() {
        #expect(error("open errno") == "test.policy:1: errno needs an error name or number, e.g. errno EACCES")
        #expect(error("open errno EFOO").hasPrefix("test.policy:1: unknown errno 'EFOO'; known names are E2BIG, EACCES,"))
        #expect(error("open errno EFOO").hasSuffix(", or write the number"))
        #expect(error("open errno 0") == "test.policy:1: errno 0 is out of range: use 1...4095")
        #expect(error("open errno 4096") == "test.policy:1: errno 4096 is out of range: use 1...4095")
        #expect(error("open errno ==") == "test.policy:1: errno needs an error name or number, found '=='")
    }

    @Test func conditionsFollowIf() {
        #expect(error("read allow when arg0 == 3") == "test.policy:1: expected 'if' after the action, found 'when'")
        #expect(error("read allow if") == "test.policy:1: expected a condition after 'if'")
        #expect(error("read allow if arg0 == 3 and") == "test.policy:1: expected a condition after 'and'")
    }

    @Test func killTakesNoConditions() {
        #expect(error("socket kill if arg0 == 2") == "test.policy:1: kill takes no conditions: every call the policy does not allow is killed already")
    }

    @Test func argumentsAreArg0ToArg5() {
        #expect(error("read allow if arg6 == 1") == "test.policy:1: expected an argument arg0...arg5, found 'arg6'")
        #expect(error("read allow if fd == 1") == "test.policy:1: expected an argument arg0...arg5, found 'fd'")
    }

    @Test func comparisonMustFollowTheArgument() {
        #expect(error("read allow if arg0 3") == "test.policy:1: expected a comparison (== != < <= > >=) or '&' after arg0, found '3'")
        #expect(error("read allow if arg0") == "test.policy:1: expected a comparison (== != < <= > >=) or '&' after arg0, found the end of the line")
        #expect(error("read allow if arg0 | 3") == "test.policy:1: expected a comparison (== != < <= > >=) or '&' after arg0, found '|'")
    }

    @Test func maskedComparisonShape() {
        #expect(error("clone allow if arg0 & CLONE_THREAD != 0") == "test.policy:1: a masked comparison is written 'argN & MASK == VALUE'")
        #expect(error("clone allow if arg0 & CLONE_THREAD == CLONE_VM") == "test.policy:1: value 0x100 has bits outside the mask 0x10000, so the condition never holds")
        #expect(error("clone allow if arg0 & SELF_PID == 0") == "test.policy:1: the mask after '&' must be a number or constant")
        #expect(error("clone allow if arg0 & 0xff == CHANNEL_FD") == "test.policy:1: the value of a masked comparison must be a number or constant")
    }

    @Test func valuesMustBeKnown() {
        #expect(error("clone allow if arg0 & CLONE_THRED == 0") == "test.policy:1: unknown constant 'CLONE_THRED'")
        #expect(error("read allow if arg0 ==") == "test.policy:1: expected a value after '==', found the end of the line")
        #expect(error("read allow if arg0 == 1 |") == "test.policy:1: expected a value after '|', found the end of the line")
        #expect(error("read allow if arg0 == <") == "test.policy:1: expected a value after '==', found '<'")
        #expect(error("read allow if arg0 == 0xZZ") == "test.policy:1: '0xZZ' is not a number")
        #expect(error("read allow if arg0 == 99999999999999999999") == "test.policy:1: '99999999999999999999' is not a number")
    }

    @Test func contextualValuesStandAlone() {
        #expect(error("tgkill allow if arg0 == SELF_PID|1") == "test.policy:1: SELF_PID cannot be combined with |")
        #expect(error("tgkill allow if arg0 == 1|CHANNEL_FD") == "test.policy:1: CHANNEL_FD cannot be combined with |")
    }

    @Test func conditionsJoinWithAnd() {
        #expect(error("read allow if arg0 == 3 or arg0 == 4") == "test.policy:1: unexpected 'or' after a condition; join conditions with 'and'")
        #expect(error("read allow if arg0 == 3 and arg0 == 4") == "test.policy:1: arg0 is compared twice in one rule; libseccomp allows one comparison per argument")
    }

    @Test func unexpectedCharacters() {
        #expect(error("read allow; write allow") == "test.policy:1: unexpected character ';'")
    }

    @Test func aKilledCallHasNoOtherRule() {
        #expect(error("socket kill\nsocket allow if arg0 == 1") == "test.policy:2: 'socket' is listed as kill on line 1; a killed call may have no other rule")
        #expect(error("socket allow if arg0 == 1\nsocket kill") == "test.policy:2: 'socket' already has a rule on line 1; a killed call may have no other rule")
    }

    @Test func aRuleWithoutConditionsIsTheOnlyRuleForItsCall() {
        #expect(error("read allow\n\nread errno EPERM if arg0 == 3") == "test.policy:3: 'read' already has a rule without conditions on line 1; such a rule must be the only one for its call")
        #expect(error("read allow if arg0 == 3\nread errno EPERM") == "test.policy:2: 'read' has conditional rules (line 1); a rule without conditions must be the only one for its call")
        #expect(error("read allow\nread allow") == "test.policy:2: duplicates the rule for 'read' on line 1")
        #expect(error("read allow if arg0 == 3\nread errno EPERM if arg0 == 3") == "test.policy:2: duplicates the rule for 'read' on line 1")
    }

    @Test func duplicatesAreFoundWhateverTheOrderOfConditions() {
        #expect(error("read allow if arg0 == 3 and arg1 == 0\nread errno EPERM if arg1 == 0 and arg0 == 3") == "test.policy:2: duplicates the rule for 'read' on line 1")
    }

    @Test func rulesLibseccompRefusesNameTheirLine() {
        // The parser never builds this rule (arguments are 0...5); libseccomp is the last check.
        let bad = PolicyRule(syscall: "read", number: 0, action: .allow,
                             conditions: [ArgumentCondition(argument: 7, comparison: .equal, value: .literal(1))], line: 12)
        let policy = SeccompPolicy(source: "test.policy", rules: [bad])
        #expect(throws: PolicyError(source: "test.policy", line: 12, message: "libseccomp refused the rule for 'read': Invalid argument (22)")) {
            try SeccompFilter(policy, context: PolicyContext(processID: 1, channelDescriptor: 3))
        }
    }

    /// FuzzPolicy's second find: a rule whose conditions are a prefix of an earlier rule's with
    /// another action is refused by libseccomp (EEXIST); the sentence says what that means.
    @Test func aRuleOverlappingAnEarlierOneIsExplained() throws {
        let policy = try parse("mmap errno EPERM if arg2 & 4 == 4 and arg3 & 32 == 32\nmmap allow if arg2 & 4 == 4")
        #expect(throws: PolicyError(source: "test.policy", line: 2, message: "libseccomp refused the rule for 'mmap': it overlaps an earlier rule for the call with another action (libseccomp: File exists (17))")) {
            try SeccompFilter(policy, context: PolicyContext(processID: 1, channelDescriptor: 3))
        }
    }

    /// FuzzPolicy's first find (Fuzz/Corpus/FuzzPolicy/libseccomp-hang.policy): libseccomp 2.5
    /// never returns from compiling two rules of one call that share a condition other than an
    /// equality beside conditions on other arguments. The parser refuses that shape; shapes
    /// beside it still compile.
    @Test func sharedRangeConditionsThatHangLibseccompAreRefused() throws {
        for shared in ["arg0 < 16", "arg0 != 16", "arg0 > 16"] {
            let message = error("newfstatat allow if \(shared) and arg2 == 1\nnewfstatat allow if \(shared) and arg3 == 1")
            #expect(message.contains("test.policy:2:") && message.contains("is also in the rule on line 1")
                    && message.contains("libseccomp cannot compile"), "\(message)")
        }
        for fine in ["newfstatat allow if arg0 < 16 and arg2 == 1\nnewfstatat allow if arg0 < 20 and arg3 == 1",
                     "newfstatat allow if arg0 < 16\nnewfstatat allow if arg0 < 16 and arg3 == 1",
                     "newfstatat allow if arg0 == 16 and arg2 == 1\nnewfstatat allow if arg0 == 16 and arg3 == 1"] {
            let filter = try SeccompFilter(parse(fine), context: PolicyContext(processID: 1, channelDescriptor: 3))
            #expect(try filter.exportBPF().count > 0, "\(fine)")
        }
    }

    @Test func theNumbersInTheCompiledFilterAreTheResolvedOnes() throws {
        let policy = try parse("tgkill allow if arg0 == SELF_PID\nrecvmsg allow if arg0 == CHANNEL_FD\nopenat errno EACCES")
        let filter = try SeccompFilter(policy, context: PolicyContext(processID: 31337, channelDescriptor: 9))
        let pfc = try exportedPFC(filter)
        #expect(pfc.contains("if ($a0.lo32 == 31337)"))
        #expect(pfc.contains("if ($a0.lo32 == 9)"))
        #expect(pfc.contains("action ERRNO(13);"))
        #expect(pfc.contains("# default action\n  action KILL_PROCESS;"))
        #expect(pfc.contains("# invalid architecture action\naction KILL_PROCESS;"))
    }

    @Test func everyConstantAndErrnoMatchesTheCHeaders() {
        for (name, value) in PolicyConstants.values {
            var found: Int32 = 0
            let header = fovea_abi_constant(name, &found)
            #expect(found == 1, "\(name) is not checked against the headers")
            #expect(UInt64(bitPattern: header) == value, "\(name): table \(value), headers \(header)")
        }
        for (name, value) in PolicyConstants.errnos {
            var found: Int32 = 0
            #expect(fovea_abi_constant(name, &found) == Int64(value) && found == 1, "\(name)")
        }
    }

    func exportedPFC(_ filter: SeccompFilter) throws -> String {
        let fd = fovea_memfd_create("pfc")
        defer { close(fd) }
        try filter.exportPFC(to: fd)
        let size = Int(lseek(fd, 0, SEEK_END))
        var bytes = [UInt8](repeating: 0, count: size)
        _ = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, size, 0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
