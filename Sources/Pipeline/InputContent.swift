import Core
import Foundation

/// The content of an external input (a weights file, a dataset folder): one digest over the
/// digests of its files, each remembered by (path, inode, size, mtime) so an unchanged
/// 30,000-video dataset is listed, not read.
struct InputContent: Sendable {
    /// `sha256:` over the sorted lines `relative path <TAB> file digest`; a single file's own digest.
    var digest: String
    /// The files and their digests (relative path → digest), for telling what changed.
    var files: [String: String]

    static func read(_ path: String, cache: DigestCache) throws -> InputContent {
        let listing = try FileListing.list(path)
        var files: [String: String] = [:]
        files.reserveCapacity(listing.count)
        var text = ""
        text.reserveCapacity(listing.count * 100)
        for file in listing {
            let digest: String
            do {
                digest = try cache.digest(path: file.path, inode: file.identity.inode, size: file.identity.size,
                                          mtimeNanoseconds: file.identity.mtimeNanoseconds)
            } catch {
                throw RunnerError.missingInput(path: file.path, reason: error.localizedDescription)
            }
            files[file.relativePath] = digest
            text += file.relativePath + "\t" + digest + "\n"
        }
        if listing.count == 1 && listing[0].relativePath.isEmpty {
            return InputContent(digest: files[""]!, files: files)
        }
        return InputContent(digest: FileDigest.sha256(of: Data(text.utf8)), files: files)
    }

    /// What changed between a recorded listing and this one, in words (`3 new, 1 changed, 2 removed files`).
    func changes(since recorded: [String: String]) -> String {
        var added = 0, changed = 0
        for (path, digest) in files {
            if let old = recorded[path] { if old != digest { changed += 1 } } else { added += 1 }
        }
        let removed = recorded.keys.filter { files[$0] == nil }.count
        var parts: [String] = []
        if added > 0 { parts.append("\(added) new") }
        if changed > 0 { parts.append("\(changed) changed") }
        if removed > 0 { parts.append("\(removed) removed") }
        return parts.isEmpty ? "contents changed" : parts.joined(separator: ", ") + " file(s)"
    }
}

/// A listing saved next to an item stage's outputs (`inputs/<option>.tsv`): which files of a
/// dataset the last complete run saw, so `vimo status` can say what changed.
enum ListingFile {
    static func write(_ files: [String: String], to url: URL) throws {
        var text = ""
        for (path, digest) in files.sorted(by: { $0.key < $1.key }) where !path.contains("\n") {
            text += path + "\t" + digest + "\n"
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(Data(text.utf8), to: url)
    }

    static func read(_ url: URL) -> [String: String]? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        var files: [String: String] = [:]
        for line in data.split(separator: UInt8(ascii: "\n")) {
            guard let tab = line.lastIndex(of: UInt8(ascii: "\t")) else { continue }
            files[String(decoding: line[line.startIndex..<tab], as: UTF8.self)] =
                String(decoding: line[line.index(after: tab)...], as: UTF8.self)
        }
        return files
    }
}
