import Foundation
import XCTest

/// Runs the checked-in Python scripts that produce reference outputs with Debian's own
/// Python (/usr/bin/python3, which sees the apt-installed torch, torchvision, cv2 and numpy;
/// a pyenv python3 earlier on PATH would not). A missing module is a failure, not a skip:
/// `make bootstrap` installs them, and a skipped parity test would hide a broken install.
public enum PythonReference {
    /// Debian's interpreter.
    public static let interpreter = "/usr/bin/python3"

    /// A missing interpreter or module, with the package that provides it.
    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }

    /// A reference script that exited with an error (already reported as a test failure).
    public struct ScriptFailed: Error {
        public var script: String
        public var status: Int32
    }

    /// Throws unless the interpreter exists and imports every module; `package` names the apt package.
    public static func requireModules(_ modules: [String], package: String) throws {
        guard FileManager.default.isExecutableFile(atPath: interpreter) else {
            throw Missing(description: "\(interpreter) is missing: run `make bootstrap`")
        }
        let result = try TestSupport.run(interpreter, ["-c", modules.map { "import \($0)" }.joined(separator: "; ")])
        if result.status != 0 {
            throw Missing(description: "\(interpreter) cannot import \(modules.joined(separator: ", ")) "
                          + "(apt-get install -y \(package), or `make bootstrap`): \(result.stderr)")
        }
    }

    /// Runs the script `name` that sits beside the calling test file; fails the test on a non-zero exit.
    public static func runScript(_ name: String, _ arguments: [String], file: StaticString = #filePath,
                                 line: UInt = #line) throws {
        let script = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent(name)
        let result = try TestSupport.run(interpreter, [script.path] + arguments)
        if result.status != 0 {
            XCTFail("\(name) exited with \(result.status): \(result.stderr)", file: file, line: line)
            throw ScriptFailed(script: name, status: result.status)
        }
    }

    /// A fresh empty temporary folder.
    public static func temporaryFolder() throws -> URL {
        try TestSupport.temporaryFolder("vimo-ref")
    }
}
