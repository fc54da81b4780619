import Foundation
import XCTest

/// Runs the checked-in Python scripts that produce reference outputs with Debian's own
/// Python (/usr/bin/python3, which sees the apt-installed cv2 and numpy; a pyenv
/// python3 earlier on PATH would not).
enum PythonReference {
    /// Debian's interpreter.
    static let interpreter = "/usr/bin/python3"

    /// This test folder, where the scripts live beside the Swift files.
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    /// Skips the calling test unless the interpreter exists and can import every module.
    static func requireModules(_ modules: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: interpreter) else {
            throw XCTSkip("\(interpreter) is missing")
        }
        let imports = modules.map { "import \($0)" }.joined(separator: "; ")
        let (status, stderr) = try run(["-c", imports])
        if status != 0 {
            throw XCTSkip("\(interpreter) cannot import \(modules.joined(separator: ", ")) "
                + "(apt-get install -y python3-opencv): \(stderr)")
        }
    }

    /// Runs `script` (a file in this folder) with `arguments`; fails the test on a non-zero exit.
    static func runScript(_ script: String, _ arguments: [String], file: StaticString = #filePath,
                          line: UInt = #line) throws {
        let (status, stderr) = try run([folder.appendingPathComponent(script).path] + arguments)
        if status != 0 {
            XCTFail("\(script) exited with \(status): \(stderr)", file: file, line: line)
            throw ScriptFailed(script: script, status: status)
        }
    }

    /// A reference script that exited with an error (already reported as a test failure).
    struct ScriptFailed: Error {
        var script: String
        var status: Int32
    }

    private static func run(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: interpreter)
        process.arguments = arguments
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("python-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        let handle = try FileHandle(forWritingTo: errors)
        process.standardError = handle
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let text = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        return (process.terminationStatus, text)
    }

    /// A fresh empty temporary folder, removed by the caller.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vimo-ref-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
