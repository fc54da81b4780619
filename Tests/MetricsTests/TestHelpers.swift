import Foundation
import XCTest

/// Reads CSV text back into records (RFC 4180: quoted fields, doubled quotes), independently of the writer.
func parseCSV(_ text: String) -> [[String]] {
    var records: [[String]] = []
    var record: [String] = []
    var field = ""
    var quoted = false
    var characters = Array(text)[...]
    while let character = characters.popFirst() {
        if quoted {
            if character == "\"" {
                if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
            } else {
                field.append(character)
            }
        } else if character == "\"" {
            quoted = true
        } else if character == "," {
            record.append(field); field = ""
        } else if character == "\n" {
            record.append(field); field = ""
            records.append(record); record = []
        } else {
            field.append(character)
        }
    }
    if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
    return records
}

/// A fresh empty folder under the system's temporary directory; the caller removes it.
func makeTemporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vimo-metrics-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Runs the checked-in reference scripts with Debian's Python, which sees the apt-installed
/// scikit-learn (a pyenv python3 earlier on PATH would not).
enum PythonReference {
    /// Debian's interpreter.
    static let interpreter = "/usr/bin/python3"
    /// This folder, where the scripts live beside the tests.
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    /// Skips the calling test unless the interpreter can import every module.
    static func require(_ modules: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: interpreter) else { throw ReferenceUnavailable("\(interpreter) is missing") }
        let (status, errors) = try run(["-c", modules.map { "import \($0)" }.joined(separator: "; ")])
        if status != 0 {
            throw ReferenceUnavailable("\(interpreter) cannot import \(modules.joined(separator: ", ")) "
                + "(apt-get install -y python3-sklearn): \(errors)")
        }
    }

    /// Runs `script` from this folder; throws with its standard error on a non-zero exit.
    static func runScript(_ script: String, _ arguments: [String]) throws {
        let (status, errors) = try run([folder.appendingPathComponent(script).path] + arguments)
        guard status == 0 else { throw ScriptFailed(script: script, status: status, errors: errors) }
    }

    /// A reference script that exited with an error.
    struct ScriptFailed: Error, CustomStringConvertible {
        var script: String
        var status: Int32
        var errors: String
        var description: String { "\(script) exited with \(status): \(errors)" }
    }

    private static func run(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: interpreter)
        process.arguments = arguments
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("python-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let handle = try FileHandle(forWritingTo: errorFile)
        process.standardError = handle
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        return (process.terminationStatus, (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "")
    }
}

/// The Python reference is not installed: a failure, not a skip (`make bootstrap` installs it).
struct ReferenceUnavailable: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
