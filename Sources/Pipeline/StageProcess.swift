import Core
import Foundation

/// Runs one stage executable as a child process: its standard input is the stage lock (so the
/// lock lives as long as the child, even if the runner dies), its output goes line by line to
/// the stage's log file and to `onLine`.
enum StageProcess {
    /// How a stage process ended.
    struct Exit: Sendable {
        var status: Int32
        var signal: Int32?
        /// A problem writing the stage's log (a full disk), when there was one; the stage still ran.
        var logProblem: String?
        /// The whole description, where the runner knows more than a status (a Slurm task's state and log).
        var detail: String?
        var succeeded: Bool { signal == nil && status == 0 }
        var text: String {
            if let detail { return detail }
            guard let signal else {
                switch status {
                case 3: return "exit status 3 (stopped: out of disk space or over the file-size limit; committed items are kept)"
                case 4: return "exit status 4 (stopped: the training loss became NaN or infinite; the last good checkpoint is kept)"
                default: return "exit status \(status)"
                }
            }
            return "killed by signal \(signal)" + (Self.explanations[signal].map { " (\($0))" } ?? "")
        }
        /// What the signals a user may meet mean.
        static let explanations: [Int32: String] = [
            SIGXFSZ: "SIGXFSZ: a file grew past the file-size limit, ulimit -f",
            SIGKILL: "SIGKILL: killed from outside, or by the out-of-memory killer",
            SIGSEGV: "SIGSEGV: the stage crashed",
            SIGBUS: "SIGBUS: a mapped file was truncated, or the disk is full",
        ]
    }

    /// Appends to the stage log; a failed write (a full disk) is remembered once, never a crash.
    final class LogWriter {
        let handle: FileHandle
        let url: URL
        private(set) var problem: String?
        init(_ handle: FileHandle, url: URL) { self.handle = handle; self.url = url }
        func write(_ data: Data) {
            guard problem == nil else { return }
            do { try handle.write(contentsOf: data) } catch {
                problem = "cannot write the stage log \(url.path): \(error.localizedDescription)"
            }
        }
    }

    /// The variable naming the stage's fingerprint to every stage process (`StageEnvironment`).
    static let fingerprintVariable = StageEnvironment.fingerprintVariable

    static func run(executable: URL, arguments: [String], fingerprint: String? = nil, lock: StageLock, log: URL,
                    onStart: (Int32) -> Void, onLine: @escaping @Sendable (String) -> Void) throws -> Exit {
        try FileManager.default.createDirectory(at: log.deletingLastPathComponent(), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        defer { try? logHandle.close() }
        let logFile = LogWriter(logHandle, url: log)
        logFile.write(Data(("$ " + ([executable.path] + arguments).map(shellQuoted).joined(separator: " ") + "\n").utf8))

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let fingerprint {
            process.environment = ProcessInfo.processInfo.environment.merging([Self.fingerprintVariable: fingerprint]) { $1 }
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle(fileDescriptor: lock.descriptor, closeOnDealloc: false)
        try process.run()
        onStart(process.processIdentifier)
        try? pipe.fileHandleForWriting.close()

        // Read until EOF: every line to the log, complete lines (split on \n and \r) to onLine.
        let reader = pipe.fileHandleForReading
        var pending = Data()
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            logFile.write(chunk)
            pending.append(chunk)
            while let cut = pending.firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) {
                let line = String(decoding: pending[pending.startIndex..<cut], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...cut)
                let trimmed = line.replacingOccurrences(of: "\u{1B}[K", with: "")
                if !trimmed.trimmingCharacters(in: .whitespaces).isEmpty { onLine(trimmed) }
            }
        }
        if !pending.isEmpty { onLine(String(decoding: pending, as: UTF8.self)) }
        process.waitUntilExit()
        var exit = process.terminationReason == .uncaughtSignal
            ? Exit(status: -1, signal: process.terminationStatus)
            : Exit(status: process.terminationStatus, signal: nil)
        logFile.write(Data("[\(exit.text)]\n".utf8))
        exit.logProblem = logFile.problem
        return exit
    }

    static func shellQuoted(_ word: String) -> String {
        if !word.isEmpty, word.allSatisfy({ $0.isLetter || $0.isNumber || "-_./:=,@+".contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
