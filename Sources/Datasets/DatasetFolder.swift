import Foundation

/// One listing of a folder, so that 30,000 existence checks cost one directory read.
struct FolderListing {
    let folder: URL
    let names: Set<String>
    let exists: Bool

    init(_ folder: URL) {
        self.folder = folder
        let listed = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
        names = Set(listed ?? [])
        exists = listed != nil
    }

    /// The URL of `name` in the folder, if it is there.
    func file(_ name: String) -> URL? {
        names.contains(name) ? folder.appendingPathComponent(name) : nil
    }
}

/// File-system questions the layouts ask, answered in one place.
enum DatasetFolder {
    static func isFolder(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    static func isFile(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    /// `name (N files)` for a folder, for messages that say what was found.
    static func describe(_ url: URL, under root: URL) -> String {
        let count = (try? FileManager.default.contentsOfDirectory(atPath: url.path).count) ?? 0
        let formatted = groupedThousands(count)
        return "\(relativePath(of: url, under: root))/ (\(formatted) \(count == 1 ? "entry" : "entries"))"
    }
}

/// `30100` → `30,100`.
func groupedThousands(_ value: Int) -> String {
    var digits = String(value.magnitude)
    var groups: [Substring] = []
    while digits.count > 3 {
        groups.insert(Substring(digits.suffix(3)), at: 0)
        digits.removeLast(3)
    }
    groups.insert(Substring(digits), at: 0)
    return (value < 0 ? "-" : "") + groups.joined(separator: ",")
}
