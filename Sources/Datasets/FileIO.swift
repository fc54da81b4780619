import Foundation

/// Reading and writing whole annotation files, with errors turned into `DatasetError` in one place.
enum FileIO {
    /// The bytes of `url`, or `DatasetError.missingAnnotation` / `.fileAccess`.
    static func bytes(of url: URL, expected: [String]? = nil) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DatasetError.missingAnnotation(path: url.path, expected: expected ?? [url.lastPathComponent])
        }
        do {
            return [UInt8](try Data(contentsOf: url, options: .mappedIfSafe))
        } catch {
            throw DatasetError.fileAccess(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
    }

    /// Writes `text` to `url` through a temporary file and a rename, so readers never see half a file.
    static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// Writes `data` to `url` atomically (temp + rename).
    static func write(_ data: Data, to url: URL) throws {
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw DatasetError.fileAccess(path: url.path, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}
