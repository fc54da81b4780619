import Foundation
import Store
#if canImport(Glibc)
import Glibc
#endif

/// A write that failed for want of room: no space left on the device (ENOSPC), over quota (EDQUOT)
/// or over the process's file-size limit (EFBIG, `ulimit -f`). A stage stops at the first one instead
/// of failing every remaining item: what is committed stays, nothing else is marked failed, and a run
/// after freeing space finishes the rest exactly as an uninterrupted run would have.
public struct OutOfSpace: Error, LocalizedError {
    /// The stage's output folder.
    public var folder: URL
    /// ENOSPC, EDQUOT or EFBIG.
    public var code: Int32
    /// Items committed before the stop.
    public var committed: Int
    /// Items not attempted (they are not failures).
    public var notAttempted: Int

    /// A stop in `folder` for `code`, with the counts so far.
    public init(folder: URL, code: Int32, committed: Int, notAttempted: Int) {
        self.folder = folder
        self.code = code
        self.committed = committed
        self.notAttempted = notAttempted
    }

    /// The exit status of a stage stopped this way (documented in each stage's --help).
    public static let exitStatus: Int32 = 3

    /// The errno when `error` is a write that failed for want of room, else nil.
    public static func code(of error: Error) -> Int32? {
        let candidates: Set<Int32> = [ENOSPC, EDQUOT, EFBIG]
        if case .system(_, _, let code) = error as? StoreError, candidates.contains(code) { return code }
        // A shard writer broken by such a write reports it in words on the next call (`… (errno 28)`).
        if case .writerNotOpen(_, let state) = error as? StoreError, let range = state.range(of: "(errno ") {
            let digits = state[range.upperBound...].prefix { $0.isNumber }
            if let code = Int32(digits), candidates.contains(code) { return code }
        }
        let nsError = error as NSError
        if nsError.domain == NSPOSIXErrorDomain, candidates.contains(Int32(nsError.code)) { return Int32(nsError.code) }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError { return code(of: underlying) }
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileWriteOutOfSpaceError { return ENOSPC }
        return nil
    }

    /// Free bytes on the file system holding `folder` (for the message), nil when unknown.
    public static func freeBytes(_ folder: URL) -> Int64? {
        var info = statvfs()
        guard statvfs(folder.path, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    /// Makes a write over the file-size limit fail with EFBIG instead of killing the process with
    /// SIGXFSZ, so it is reported like a full disk. Stage executables call it once at start.
    public static func reportFileSizeLimitAsError() {
        signal(SIGXFSZ, SIG_IGN)
    }

    /// One line: what ran out, where, how much is free, what was kept, what to do.
    public var errorDescription: String? {
        let what: String
        switch code {
        case EFBIG: what = "a shard would exceed the file-size limit (ulimit -f)"
        case EDQUOT: what = "the disk quota is exhausted"
        default: what = "no space left on the device"
        }
        let free = Self.freeBytes(folder).map { " (\(Self.megabytes($0)) free now)" } ?? ""
        return "\(what) in \(folder.path)\(free): stopped after committing \(committed) item(s); "
            + "\(notAttempted) item(s) not attempted (not failures). Free space"
            + (code == EFBIG ? " or raise the limit" : "") + " and run again: committed items are kept and skipped."
    }

    static func megabytes(_ bytes: Int64) -> String { String(format: "%.1f MB", Double(bytes) / 1_000_000) }
}
