import Foundation

/// Writes a whole file so that a crash leaves the old file or the new one, never a torn one:
/// a temporary file beside the target, fsync, then rename over it.
func writeAtomically(_ data: Data, to url: URL) throws {
    let directory = url.deletingLastPathComponent()
    do {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
        throw MetricsError.unwritable(path: directory.path, reason: error.localizedDescription)
    }
    let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).tmp")
    let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw MetricsError.unwritable(path: temporary.path, reason: systemMessage()) }
    var failure = data.withUnsafeBytes { writeAll(descriptor, $0) }
    if failure == nil && fsync(descriptor) != 0 { failure = systemMessage() }
    if close(descriptor) != 0 && failure == nil { failure = systemMessage() }
    if failure == nil && rename(temporary.path, url.path) != 0 { failure = systemMessage() }
    if let failure {
        unlink(temporary.path)
        throw MetricsError.unwritable(path: url.path, reason: failure)
    }
    // Make the rename itself durable; a failure here loses nothing already visible.
    let directoryDescriptor = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if directoryDescriptor >= 0 {
        _ = fsync(directoryDescriptor)
        _ = close(directoryDescriptor)
    }
}

/// Writes every byte, retrying on EINTR; returns the system's message on failure.
private func writeAll(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer) -> String? {
    var offset = 0
    while offset < buffer.count {
        let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            return systemMessage()
        }
        offset += written
    }
    return nil
}

/// The text of the current errno.
private func systemMessage() -> String {
    String(cString: strerror(errno))
}
