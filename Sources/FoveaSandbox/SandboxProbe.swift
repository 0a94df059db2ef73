import CLinux
import FoveaProtocol
import Glibc

/// Test hook (`debug/sandbox_probe`, only with `FOVEA_TEST_HOOKS=1`): attempts one thing the
/// sandbox forbids, after sandboxing, and reports what happened. A probe the filter kills
/// never returns; the supervisor observes the death and reports `killed`.
public enum SandboxProbe {
    public static let actions = ["open", "socket", "exec", "fork", "ptrace", "write_file", "mount", "bpf", "keyctl",
                                 "unshare", "sleep", "crash", "stat_path", "mmap_exec", "write_fd", "clone_process",
                                 "clone_thread_flags"]

    public static func attempt(_ action: String, id: UInt64) -> WorkerReply {
        func outcome(_ result: Int, _ what: String) -> WorkerReply {
            if result >= 0 { return .probed(id: id, outcome: "allowed", detail: "\(what) succeeded") }
            let code = errno
            return .probed(id: id, outcome: "denied", detail: "\(what) failed: \(String(cString: strerror(code))) (errno \(code))")
        }
        switch action {
        case "open":
            let fd = open("/etc/hostname", O_RDONLY)
            if fd >= 0 { close(fd) }
            return outcome(Int(fd), "open(/etc/hostname)")
        case "write_file":
            let fd = open("/tmp/fovea-probe-write", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            if fd >= 0 { close(fd); unlink("/tmp/fovea-probe-write") }
            return outcome(Int(fd), "open(/tmp/fovea-probe-write, O_CREAT)")
        case "socket":
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            if fd >= 0 { close(fd) }
            return outcome(Int(fd), "socket(AF_INET)")
        case "exec":
            var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
            let result = execv("/bin/true", &argv)
            return outcome(Int(result), "execv(/bin/true)")
        case "fork":
            let pid = fork()
            if pid == 0 { _exit(0) }
            if pid > 0 { var status: Int32 = 0; waitpid(pid, &status, 0) }
            return outcome(Int(pid), "fork()")
        case "ptrace":
            let result = fovea_ptrace_traceme()
            return outcome(Int(result), "ptrace(PTRACE_TRACEME)")
        case "mount":
            return outcome(fovea_probe_mount(), "mount(tmpfs on /tmp)")
        case "bpf":
            return outcome(fovea_probe_bpf(), "bpf(BPF_MAP_CREATE)")
        case "keyctl":
            return outcome(fovea_probe_keyctl(), "keyctl(KEYCTL_GET_KEYRING_ID)")
        case "unshare":
            return outcome(fovea_probe_unshare(), "unshare(CLONE_NEWUSER)")
        case "sleep":
            while true { sleep(1000) }
        case "crash":
            ProcessControl.crash()
        case "stat_path":
            return outcome(fovea_probe_stat_path(), "newfstatat(AT_FDCWD, /etc/passwd, AT_EMPTY_PATH)")
        case "mmap_exec":
            return outcome(fovea_probe_mmap_exec(), "mmap(PROT_READ|PROT_EXEC)")
        case "write_fd":
            return outcome(fovea_probe_write_other_fd(), "write(1)")
        case "clone_process":
            return outcome(fovea_probe_clone_process(), "clone(SIGCHLD)")
        case "clone_thread_flags":
            return outcome(fovea_probe_clone_odd_thread(), "clone(CLONE_VM|CLONE_SIGHAND|CLONE_THREAD)")
        default:
            return .failed(id: id, kind: .internalError, message: "unknown probe action \(action)")
        }
    }
}
