import Foundation

/// The executable's voice on stderr: progress lines (rewritten in place on a terminal,
/// one every few seconds otherwise) and error lines. Thread-safe.
final class Terminal: @unchecked Sendable {
    private let quiet: Bool
    private let interactive = isatty(STDERR_FILENO) != 0
    private let lock = NSLock()
    private var lastProgress = Date.distantPast
    private var progressShown = false

    init(quiet: Bool) { self.quiet = quiet }

    /// A progress line, throttled; `force` prints regardless (the final one).
    func progress(_ text: @autoclosure () -> String, force: Bool = false) {
        guard !quiet else { return }
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        let interval = interactive ? 0.2 : 5.0
        guard force || now.timeIntervalSince(lastProgress) >= interval else { return }
        lastProgress = now
        if interactive {
            write("\r\u{1B}[K" + text())
            progressShown = true
        } else {
            write(text() + "\n")
        }
    }

    /// A line that must be seen (failures, the closing summary).
    func line(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        if progressShown { write("\n"); progressShown = false }
        write(text + "\n")
    }

    func error(_ text: String) { line("vimo-decode: error: " + text) }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
