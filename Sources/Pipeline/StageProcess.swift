import Foundation

/// Runs one stage executable as a child process: its standard input is the stage lock (so the
/// lock lives as long as the child, even if the runner dies), its output goes line by line to
/// the stage's log file and to `onLine`.
enum StageProcess {
    /// How a stage process ended.
    struct Exit: Sendable {
        var status: Int32
        var signal: Int32?
        var succeeded: Bool { signal == nil && status == 0 }
        var text: String { signal.map { "killed by signal \($0)" } ?? "exit status \(status)" }
    }

    static func run(executable: URL, arguments: [String], lock: StageLock, log: URL,
                    onStart: (Int32) -> Void, onLine: @escaping @Sendable (String) -> Void) throws -> Exit {
        try FileManager.default.createDirectory(at: log.deletingLastPathComponent(), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        defer { try? logHandle.close() }
        logHandle.write(Data(("$ " + ([executable.path] + arguments).map(shellQuoted).joined(separator: " ") + "\n").utf8))

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
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
            logHandle.write(chunk)
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
        let exit = process.terminationReason == .uncaughtSignal
            ? Exit(status: -1, signal: process.terminationStatus)
            : Exit(status: process.terminationStatus, signal: nil)
        logHandle.write(Data("[\(exit.text)]\n".utf8))
        return exit
    }

    static func shellQuoted(_ word: String) -> String {
        if !word.isEmpty, word.allSatisfy({ $0.isLetter || $0.isNumber || "-_./:=,@+".contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
