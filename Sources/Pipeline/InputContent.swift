import Core
import Datasets
import Foundation

/// The content of an external input (a weights file, a dataset folder): one digest over the
/// digests of its files, each remembered by (path, inode, size, mtime) so an unchanged
/// 30,000-video dataset is listed, not read.
struct InputContent: Sendable {
    /// `sha256:` over the sorted lines `relative path <TAB> file digest`; a single file's own digest.
    var digest: String
    /// The files and their digests (relative path → digest), for telling what changed.
    var files: [String: String]

    /// Which files of a folder count.
    enum Scope: Hashable, Sendable {
        /// Every file.
        case all
        /// A dataset without its frame folders (`dataset/image/<id>/…`: millions of files whose items
        /// the decode stage digests itself).
        case datasetWithoutFrames
        /// A dataset's annotations only: no media files, no media folders (what a trainer reads of it).
        case datasetAnnotations
    }

    static func read(_ path: String, cache: DigestCache, scope: Scope = .all) throws -> InputContent {
        let listing = try FileListing.list(path) { relative, isFolder in
            switch scope {
            case .all: return false
            case .datasetWithoutFrames: return isFolder && DatasetLoader.frameFolders.contains(relative)
            case .datasetAnnotations:
                if isFolder { return DatasetLoader.mediaFolders.contains(relative) }
                let name = relative.split(separator: "/").last.map(String.init) ?? relative
                let ext = name.split(separator: ".").count > 1 ? String(name.split(separator: ".").last!).lowercased() : ""
                return DatasetLoader.mediaExtensions.contains(ext)
            }
        }
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

    /// What changed between a recorded listing and this one, in words, naming up to three files of
    /// each kind (`2 new files (a.mp4, b.mp4), 1 changed (AACJGIQR.mp4)`).
    func changes(since recorded: [String: String]) -> String {
        var added: [String] = [], changed: [String] = []
        for (path, digest) in files {
            if let old = recorded[path] { if old != digest { changed.append(path) } } else { added.append(path) }
        }
        let removed = recorded.keys.filter { files[$0] == nil }
        func named(_ paths: [String], _ word: String) -> String? {
            guard !paths.isEmpty else { return nil }
            let sorted = paths.sorted()
            let shown = sorted.prefix(3).joined(separator: ", ") + (sorted.count > 3 ? ", …" : "")
            return "\(paths.count) \(word) (\(shown))"
        }
        let parts = [named(added, added.count == 1 ? "new file" : "new files"), named(changed, "changed"),
                     named(removed, "removed")].compactMap { $0 }
        return parts.isEmpty ? "contents changed" : parts.joined(separator: ", ")
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
