import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The POSIX calls the commit protocol needs, each wrapped once: EINTR retried here, errno turned
/// into `StoreError.system` naming the path.
enum SystemCalls {
    /// Runs `call` until it does not fail with EINTR; returns its result and the errno it left.
    private static func retryingOnInterrupt(_ call: () -> Int32) -> (result: Int32, errno: Int32) {
        while true {
            let result = call()
            let error = errno
            if result != -1 || error != EINTR { return (result, error) }
        }
    }

    /// Opens `path` (a file or a directory) read-only, fsyncs it and closes it. Syncing a
    /// directory is what makes a link or unlink in it durable.
    static func fsync(path: String) throws {
        let (descriptor, openError) = retryingOnInterrupt { open(path, O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else { throw StoreError.system(path: path, operation: "open for fsync", errno: openError) }
        defer { _ = close(descriptor) }
        let (result, syncError) = retryingOnInterrupt { Foundation.fsync(descriptor) }
        guard result == 0 else { throw StoreError.system(path: path, operation: "fsync", errno: syncError) }
    }

    /// Creates `newPath` as a second name of `existing`. Returns false when `newPath` already
    /// exists: unlike rename, link never replaces, which is what lets writers race for a name.
    static func linkWithoutReplacing(_ existing: String, as newPath: String) throws -> Bool {
        let (result, error) = retryingOnInterrupt { link(existing, newPath) }
        if result == 0 { return true }
        if error == EEXIST { return false }
        throw StoreError.system(path: newPath, operation: "link from \(existing)", errno: error)
    }

    /// Renames `path` to `newPath` in one step (rename(2): atomic within a file system; it replaces
    /// `newPath`, so callers pick a free name).
    static func rename(_ path: String, to newPath: String) throws {
        let (result, error) = retryingOnInterrupt { Foundation.rename(path, newPath) }
        guard result == 0 else { throw StoreError.system(path: path, operation: "rename to \(newPath)", errno: error) }
    }

    /// Removes `path`; a file already gone counts as removed.
    static func unlinkIfPresent(_ path: String) throws {
        let (result, error) = retryingOnInterrupt { unlink(path) }
        guard result == 0 || error == ENOENT else { throw StoreError.system(path: path, operation: "unlink", errno: error) }
    }

    /// Creates directory `path` and any missing parents, like `mkdir -p`.
    static func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            current += component + "/"
            let (result, error) = retryingOnInterrupt { mkdir(current, 0o755) }
            guard result == 0 || error == EEXIST else {
                throw StoreError.system(path: current, operation: "mkdir", errno: error)
            }
        }
    }

    /// Whether anything exists at `path`.
    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// The names in directory `path` (without "." and ".."), or nil when it does not exist.
    static func listDirectory(_ path: String) throws -> [String]? {
        guard let stream = opendir(path) else {
            if errno == ENOENT { return nil }
            throw StoreError.system(path: path, operation: "opendir", errno: errno)
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The modification time of `path`, or nil when it is gone.
    static func modificationTime(_ path: String) throws -> Date? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw StoreError.system(path: path, operation: "stat", errno: errno)
        }
        #if canImport(Darwin)
        let time = info.st_mtimespec
        #else
        let time = info.st_mtim
        #endif
        return Date(timeIntervalSince1970: TimeInterval(time.tv_sec) + TimeInterval(time.tv_nsec) / 1e9)
    }

    /// Whether a process with `pid` exists on this host (EPERM: it exists but is not ours).
    static func processExists(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// This host's name, as it appears in temporary file names.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown-host" }
        return String(nulTerminated: buffer)
    }

    /// This process's id.
    static var processID: Int32 { getpid() }
}
