import Foundation

/// Remembers file digests by (path, inode, size, mtime), so an unchanged dataset of
/// 30,000 videos is not read again to learn that nothing changed. Thread-safe.
public final class DigestCache: @unchecked Sendable {
    struct Entry: Codable, Equatable {
        var inode: UInt64
        var size: Int64
        var mtimeNanoseconds: Int64
        var digest: String
    }

    /// Where the cache lives (JSON); nil keeps it in memory only.
    public let file: URL?
    private var entries: [String: Entry] = [:]
    private var dirty = false
    private let lock = NSLock()
    /// How many digests were computed by reading a file (the rest came from the cache).
    public private(set) var filesRead = 0

    /// Loads the cache from `file` if it exists; a damaged cache file is ignored (it is only a cache).
    public init(file: URL?) {
        self.file = file
        if let file, let data = try? Data(contentsOf: file),
           let decoded = try? JSONDecoder().decode([String: Entry].self, from: data) {
            entries = decoded
        }
    }

    /// The content digest of `url`, from the cache when the file's identity is unchanged.
    public func digest(of url: URL) throws -> String {
        let path = url.standardizedFileURL.path
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw CoreError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        let identity = Entry(inode: UInt64(st.st_ino), size: Int64(st.st_size),
                             mtimeNanoseconds: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
                             digest: "")
        lock.lock()
        if let cached = entries[path], cached.inode == identity.inode, cached.size == identity.size,
           cached.mtimeNanoseconds == identity.mtimeNanoseconds {
            lock.unlock()
            return cached.digest
        }
        lock.unlock()
        let digest = try FileDigest.sha256(of: url)
        lock.lock()
        var entry = identity
        entry.digest = digest
        entries[path] = entry
        dirty = true
        filesRead += 1
        lock.unlock()
        return digest
    }

    /// Writes the cache back (atomically) if anything changed.
    public func save() throws {
        lock.lock()
        defer { lock.unlock() }
        guard dirty, let file else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(entries), to: file)
        dirty = false
    }
}
