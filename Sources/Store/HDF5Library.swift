import CHDF5
import Foundation

/// The one gate into the HDF5 C library.
///
/// Debian's HDF5 is built without `--enable-threadsafe`: its global state (open objects, the
/// error stack, free lists) must never be touched by two threads at once. Every call sequence
/// into HDF5 in this module therefore runs inside `HDF5.serialized`. The lock is recursive so
/// that `deinit` paths and helpers may be reached both from inside and outside a locked region.
enum HDF5 {
    private static let lock = NSRecursiveLock()

    /// Runs once, under the lock, before the first HDF5 call: libraries never print, so HDF5's
    /// automatic error printing is switched off; errors are read from the stack instead.
    private static let initialised: Void = {
        // No cleanup at process exit: every committed shard is closed (and fsynced) explicitly, so all
        // HDF5 could still flush then is an abandoned temporary — and after a write failed for want of
        // space, its exit-time flush of that file fails again and crashes inside the library.
        _ = H5dont_atexit()
        _ = H5open()
        _ = H5Eset_auto2(vimo_h5e_default(), nil, nil)
        // Zstandard is built in; if registering failed, writers report the filter as unavailable.
        _ = ZstdFilter.register()
    }()

    /// Runs `body` holding the process-wide HDF5 lock.
    static func serialized<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        _ = initialised
        // Error printing is a per-thread setting when HDF5 is built thread-safe (Debian's is): switch
        // it off on every thread that calls in, or worker threads print whole error stacks to stderr.
        _ = H5Eset_auto2(vimo_h5e_default(), nil, nil)
        return try body()
    }

    /// Reads and clears HDF5's default error stack: one line per frame, outermost call first,
    /// each "function: description (minor reason)". Must be called under the lock.
    static func takeErrorMessage() -> String {
        var lines: [String] = []
        _ = withUnsafeMutablePointer(to: &lines) { linesPointer in
            H5Ewalk2(vimo_h5e_default(), H5E_WALK_DOWNWARD, { _, frame, clientData in
                guard let frame, let clientData else { return 0 }
                let lines = clientData.assumingMemoryBound(to: [String].self)
                let function = frame.pointee.func_name.map { String(cString: $0) } ?? "?"
                // Some descriptions embed ctime(), newline included; keep the message on one line.
                let description = (frame.pointee.desc.map { String(cString: $0) } ?? "")
                    .split(whereSeparator: \.isNewline).joined(separator: " ")
                var reason = [CChar](repeating: 0, count: 256)
                let reasonLength = H5Eget_msg(frame.pointee.min_num, nil, &reason, reason.count)
                let minor = reasonLength > 0 ? String(nulTerminated: reason) : ""
                lines.pointee.append(minor.isEmpty ? "\(function): \(description)" : "\(function): \(description) (\(minor))")
                return 0
            }, linesPointer)
        }
        _ = H5Eclear2(vimo_h5e_default())
        return lines.isEmpty ? "no HDF5 error message" : lines.joined(separator: "; ")
    }

    /// The errno of a failed write or open that HDF5's sec2 driver recorded in its stack
    /// (`…, errno = 28, error message = 'No space left on device', …`), for the errors a user fixes
    /// outside vimo: no space (ENOSPC), over quota (EDQUOT), over the file-size limit (EFBIG).
    static func systemErrno(in message: String) -> Int32? {
        guard let range = message.range(of: "errno = ") else { return nil }
        let digits = message[range.upperBound...].prefix { $0.isNumber }
        guard let code = Int32(digits), [ENOSPC, EDQUOT, EFBIG].contains(code) else { return nil }
        return code
    }

    /// Returns `result` when HDF5 reports success (non-negative), else throws `StoreError.hdf5`
    /// with HDF5's own message. Must be called under the lock, right after the failing call.
    @discardableResult
    static func check<R: BinaryInteger>(_ result: R, path: String, _ operation: @autoclosure () -> String) throws -> R {
        guard result >= 0 else {
            let message = takeErrorMessage()
            // A failed write system call buried in the stack (a full disk, a quota, a file-size limit)
            // is the error the user can act on: report it as such, not as kilobytes of HDF5 frames.
            if let code = systemErrno(in: message) {
                throw StoreError.system(path: path, operation: "HDF5 \(operation())", errno: code)
            }
            throw StoreError.hdf5(path: path, operation: operation(), message: message)
        }
        return result
    }
}
