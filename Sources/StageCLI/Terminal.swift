import Foundation

/// The stage executables' voice on stderr: progress lines (rewritten in place on a terminal,
/// one every few seconds otherwise) and error lines. Thread-safe. This module is the
/// executables' terminal layer; the libraries below it never print.
public final class Terminal: @unchecked Sendable {
    /// The executable's name, which prefixes its lines.
    public let program: String
    private let quiet: Bool
    private let interactive = isatty(STDERR_FILENO) != 0
    private let lock = NSLock()
    private var lastProgress = Date.distantPast
    private var progressShown = false

    /// A terminal for `program` (which prefixes error and warning lines: `vimo-flow: error: …`). A stage executable makes one at start, so this is also where the
    /// process is told to report a write over the file-size limit as an error (EFBIG) rather than die
    /// of SIGXFSZ.
    public init(program: String, quiet: Bool) {
        self.program = program
        self.quiet = quiet
        OutOfSpace.reportFileSizeLimitAsError()
    }

    /// Seconds between plain progress lines when stderr is not a terminal (a log file, a pipe, a Slurm
    /// job's output): `$VIMO_PROGRESS_SECONDS`, else 5.
    static let logInterval: Double = ProcessInfo.processInfo.environment["VIMO_PROGRESS_SECONDS"].flatMap(Double.init) ?? 5

    /// A progress line, throttled; `force` prints regardless (the final one). On a terminal it is
    /// rewritten in place; otherwise it is a plain line, never with a carriage return.
    public func progress(_ text: @autoclosure () -> String, force: Bool = false) {
        guard !quiet else { return }
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        let interval = interactive ? 0.2 : Self.logInterval
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
    public func line(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        if progressShown { write("\n"); progressShown = false }
        write(text + "\n")
    }

    /// `<program>: error: …`
    public func error(_ text: String) { line("\(program): error: " + text) }
    /// `<program>: warning: …`
    public func warning(_ text: String) { line("\(program): warning: " + text) }
    /// `<program>: failed: <item>: …`
    public func failed(_ item: String, _ reason: String) { line("\(program): failed: \(item): \(reason)") }

    private func write(_ text: String) {
        // Never trap on a closed or full stderr (FileHandle.write(_ data:) would): a lost line is no crash.
        try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
    }
}

/// A line for the terminal from a library that never prints (the training loop hands these back).
public enum TerminalMessage: Sendable, Equatable {
    /// A line that must be seen (`Terminal.line`).
    case line(String)
    /// `<program>: warning: …` (`Terminal.warning`).
    case warning(String)
    /// A throttled progress line (`Terminal.progress`).
    case progress(String)
}

extension Terminal {
    /// Shows `message` the way its kind asks.
    public func show(_ message: TerminalMessage) {
        switch message {
        case .line(let text): line(text)
        case .warning(let text): warning(text)
        case .progress(let text): progress(text)
        }
    }
}
