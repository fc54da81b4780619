import Foundation

/// The `--out` folder of a stage or trainer, created up front so that a folder that cannot exist is
/// reported as such, naming it, before any work is done.
public enum OutputFolder {
    /// Creates `url` and its missing parents (nothing happens if it is already a folder).
    public static func create(_ url: URL) throws {
        let path = url.standardizedFileURL.path
        // Walk up to the nearest thing that exists, then make the rest downwards, one mkdir at a time,
        // so the error names the very folder that could not be made.
        var existing = path
        var missing: [String] = []
        while !FileManager.default.fileExists(atPath: existing) {
            missing.insert(existing, at: 0)
            let parent = (existing as NSString).deletingLastPathComponent
            guard parent != existing, !parent.isEmpty else { break }
            existing = parent
        }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: existing, isDirectory: &isFolder), !isFolder.boolValue {
            throw OutputFolderError(folder: path, blocker: existing, reason: "exists and is not a folder")
        }
        for folder in missing {
            guard mkdir(folder, 0o777) == 0 else {
                let code = errno
                var exists: ObjCBool = false
                if code == EEXIST, FileManager.default.fileExists(atPath: folder, isDirectory: &exists), exists.boolValue {
                    continue   // made meanwhile by another process
                }
                throw OutputFolderError(folder: path, blocker: folder, reason: String(cString: strerror(code)))
            }
        }
    }
}

/// An output folder that cannot be created.
public struct OutputFolderError: Error, LocalizedError, Equatable {
    /// The folder asked for.
    public var folder: String
    /// The path that failed: the folder itself or one of its parents.
    public var blocker: String
    /// What the system said.
    public var reason: String

    /// `cannot create the output folder /proc/x: No such file or directory (choose another --out)`, as vimo-decode says it.
    public var errorDescription: String? {
        "cannot create the output folder \(folder): \(blocker == folder ? "" : "\(blocker): ")\(reason) (choose another --out)"
    }
}
