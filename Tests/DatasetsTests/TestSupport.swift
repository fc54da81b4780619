import Foundation
import XCTest

/// Where the real Animal Kingdom metadata lives: `$VIMO_SHARED/ak`, else `<package root>/../shared/ak`.
enum SharedData {
    struct NotFound: Error, CustomStringConvertible {
        let looked: [String]
        var description: String {
            "real Animal Kingdom metadata not found; looked in \(looked.joined(separator: ", ")) (set VIMO_SHARED to the shared folder)"
        }
    }

    static func ak(_ name: String, file: String = #filePath) throws -> URL {
        let packageRoot = URL(fileURLWithPath: file)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var candidates: [URL] = []
        if let shared = ProcessInfo.processInfo.environment["VIMO_SHARED"] {
            candidates.append(URL(fileURLWithPath: shared).appendingPathComponent("ak"))
        }
        candidates.append(packageRoot.deletingLastPathComponent().appendingPathComponent("shared/ak"))
        for folder in candidates {
            let url = folder.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        throw NotFound(looked: candidates.map { $0.appendingPathComponent(name).path })
    }
}

/// A fresh temporary folder, removed when the test ends.
func temporaryFolder(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("datasets-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Writes `text` to `folder/name`, creating folders on the way.
@discardableResult
func write(_ text: String, to name: String, in folder: URL) throws -> URL {
    let url = folder.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
    return url
}

/// Creates empty stand-in video files `folder/video/<id>.mp4`.
func touchVideos(_ ids: [String], in folder: URL) throws {
    let videos = folder.appendingPathComponent("video")
    try FileManager.default.createDirectory(at: videos, withIntermediateDirectories: true)
    for id in ids {
        _ = FileManager.default.createFile(atPath: videos.appendingPathComponent(id + ".mp4").path, contents: Data())
    }
}

/// A three-class list `a`, `b`, `c` as classes.txt text.
let threeClasses = "a\nb\nc\n"
