import Glibc

/// Transparent huge pages for image memfds. Each 8K frame is ~100 MB of shared memory; with
/// 4 KiB pages, faulting it in costs ~24,000 page faults in the decoding worker and again in
/// every worker that maps it. Mappings of at least ``minimumBytes`` ask for 2 MiB pages with
/// `MADV_HUGEPAGE`; the kernel grants them only when
/// `/sys/kernel/mm/transparent_hugepage/shmem_enabled` is `advise` (or `always`/`within_size`),
/// and the advice is harmless otherwise. The setting is the operator's (docs/OPERATIONS.md).
public enum HugePages {
    /// Smaller mappings are left alone: they would not fill a huge page.
    public static let minimumBytes = 2 << 20

    /// Asks for huge pages on `size` bytes mapped at `address`; failures are ignored (a kernel
    /// without transparent huge pages answers EINVAL).
    static func advise(_ address: UnsafeMutableRawPointer, size: Int) {
        guard size >= minimumBytes else { return }
        _ = madvise(address, size, MADV_HUGEPAGE)
    }

    /// Where the kernel's shared-memory setting lives.
    public static let shmemSettingPath = "/sys/kernel/mm/transparent_hugepage/shmem_enabled"

    /// The kernel's shared-memory huge page setting (`never`, `advise`, `always`, …), or nil when
    /// the kernel has none. Read by the supervisor (workers cannot open files).
    public static func shmemSetting(path: String = shmemSettingPath) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        guard fgets(&line, Int32(line.count), file) != nil else { return nil }
        return selected(in: String(cString: line))
    }

    /// The bracketed choice of a sysfs list such as `always within_size advise [never] deny force`.
    static func selected(in list: String) -> String? {
        guard let open = list.firstIndex(of: "["), let close = list[open...].firstIndex(of: "]") else { return nil }
        return String(list[list.index(after: open)..<close])
    }

    /// Whether `setting` lets memfd mappings that ask for huge pages have them.
    public static func grantsAdvisedMappings(_ setting: String?) -> Bool {
        ["advise", "always", "within_size", "force"].contains(setting ?? "")
    }
}
