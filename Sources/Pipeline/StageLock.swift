import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The advisory lock on one stage directory (`.lock`, flock(2)), held while a runner runs the
/// stage. The file names its holder (pid, host, command, since when) so a second runner can say
/// whom it waits for. The kernel drops a flock when its last descriptor closes, so a lock left by
/// a dead process is never held; finding the previous holder's line still in the file tells us
/// that holder died, and the new holder takes over. The runner hands the descriptor to the stage
/// process as its standard input, so a stage orphaned by a killed runner keeps the lock until it ends.
public final class StageLock {
    /// The open lock file; inherit it to share the lock with a child process.
    public let descriptor: Int32
    /// The line the previous holder left, when it died holding the lock.
    public let takenOverFrom: String?
    private var released = false

    private init(descriptor: Int32, takenOverFrom: String?) {
        self.descriptor = descriptor
        self.takenOverFrom = takenOverFrom
    }

    deinit { release() }

    /// `pid 123 on host, since 2026-11-23T22:10:00Z: vimo run demo`
    public static func holderLine(command: String) -> String {
        "pid \(getpid()) on \(ProcessInfo.processInfo.hostName), since \(ISO8601DateFormatter().string(from: Date())): \(command)"
    }

    /// Takes the lock on `directory` (created if missing), waiting up to `timeout` seconds (nil:
    /// forever, 0: not at all) or until `cancelled()`; `waiting` is called once with the holder's
    /// line when it must wait.
    public static func acquire(directory: URL, holder: String, timeout: TimeInterval?,
                               cancelled: () -> Bool = { false }, waiting: (String) -> Void) throws -> StageLock {
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw RunnerError.lockFailed(path: directory.path, reason: "cannot create the stage folder: " + SystemReason.of(error))
        }
        let path = directory.appendingPathComponent(".lock").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RunnerError.lockFailed(path: path, reason: String(cString: strerror(errno))) }
        let start = Date()
        var announced = false
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            guard code == EWOULDBLOCK || code == EINTR else {
                close(fd)
                throw RunnerError.lockFailed(path: path, reason: String(cString: strerror(code)))
            }
            let current = readAll(fd) ?? "another process"
            if let timeout, Date().timeIntervalSince(start) >= timeout {
                close(fd)
                throw RunnerError.lockTimeout(stage: directory.deletingLastPathComponent().lastPathComponent,
                                              directory: directory.path, holder: current)
            }
            if cancelled() {
                close(fd)
                throw RunnerError.interrupted(stage: directory.deletingLastPathComponent().lastPathComponent)
            }
            if !announced { waiting(current); announced = true }
            usleep(100_000)
        }
        let previous = readAll(fd)
        let line = holder + "\n"
        _ = ftruncate(fd, 0)
        _ = line.withCString { pwrite(fd, $0, strlen($0), 0) }
        return StageLock(descriptor: fd, takenOverFrom: previous)
    }

    /// Who holds the lock on `directory` now, or nil when nobody does (never waits, never creates).
    public static func currentHolder(directory: URL) -> String? {
        let path = directory.appendingPathComponent(".lock").path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        return readAll(fd) ?? "another process"
    }

    /// The holder line, plus a remark when it names a process of this host that has ended (a
    /// killed runner whose stage process, which inherited the lock, still runs).
    public static func describe(holder: String) -> String {
        let words = holder.split(separator: " ")
        guard words.count > 3, words[0] == "pid", let pid = Int32(words[1]), words[2] == "on",
              words[3].trimmingCharacters(in: CharacterSet(charactersIn: ",")) == ProcessInfo.processInfo.hostName,
              kill(pid, 0) != 0, errno == ESRCH else { return holder }
        return holder + " (that process has ended; a stage process it started still holds the lock)"
    }

    /// Rewrites the holder line (the runner adds the Slurm jobs it follows).
    public func update(holder: String) {
        guard !released else { return }
        let line = holder + "\n"
        _ = ftruncate(descriptor, 0)
        _ = line.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    /// Clears the holder line and drops the lock (idempotent).
    public func release() {
        guard !released else { return }
        released = true
        _ = ftruncate(descriptor, 0)
        close(descriptor)
    }

    private static func readAll(_ fd: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
