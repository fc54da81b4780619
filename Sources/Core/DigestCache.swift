import Foundation

/// Remembers file digests by (path, inode, size, mtime), so an unchanged dataset of
/// 30,000 videos is not read again to learn that nothing changed. Thread-safe.
public final class DigestCache: @unchecked Sendable {
    struct Entry: Equatable {
        var inode: UInt64
        var size: Int64
        var mtimeNanoseconds: Int64
        var digest: String
    }

    /// Where the cache lives (one tab-separated line per file: inode, size, mtime, digest, path;
    /// fast to read for 30,000 entries); nil keeps it in memory only.
    public let file: URL?
    private var entries: [String: Entry] = [:]
    private var dirty = false
    private let lock = NSLock()
    /// How many digests were computed by reading a file (the rest came from the cache).
    public private(set) var filesRead = 0

    /// Loads the cache from `file` if it exists; a damaged cache file is ignored (it is only a cache).
    public init(file: URL?) {
        self.file = file
        if let file, let data = try? Data(contentsOf: file) {
            entries = Self.parse(data)
        }
    }

    private static func parse(_ data: Data) -> [String: Entry] {
        var entries: [String: Entry] = [:]
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            let fields = line.split(separator: UInt8(ascii: "\t"), maxSplits: 4, omittingEmptySubsequences: false)
            guard fields.count == 5,
                  let inode = UInt64(String(decoding: fields[0], as: UTF8.self)),
                  let size = Int64(String(decoding: fields[1], as: UTF8.self)),
                  let mtime = Int64(String(decoding: fields[2], as: UTF8.self)) else { continue }
            entries[String(decoding: fields[4], as: UTF8.self)] =
                Entry(inode: inode, size: size, mtimeNanoseconds: mtime, digest: String(decoding: fields[3], as: UTF8.self))
        }
        return entries
    }

    /// The content digest of `url`, from the cache when the file's identity is unchanged.
    public func digest(of url: URL) throws -> String {
        let path = url.standardizedFileURL.path
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw CoreError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        return try digest(path: path, inode: UInt64(st.st_ino), size: Int64(st.st_size),
                          mtimeNanoseconds: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec))
    }

    /// The content digest of the file at `path` whose identity the caller has just read with
    /// `stat` (a listing that already stat-ed 30,000 files need not do it twice).
    public func digest(path: String, inode: UInt64, size: Int64, mtimeNanoseconds: Int64) throws -> String {
        try remembered(key: path, Entry(inode: inode, size: size, mtimeNanoseconds: mtimeNanoseconds, digest: ""), reads: 1) {
            try FileDigest.sha256(of: URL(fileURLWithPath: path))
        }
    }

    /// The digest cached under `key` for `identity`, else `compute()`'s, remembered (`reads` files read).
    private func remembered(key: String, _ identity: Entry, reads: Int, compute: () throws -> String) throws -> String {
        lock.lock()
        if let cached = entries[key], cached.inode == identity.inode, cached.size == identity.size,
           cached.mtimeNanoseconds == identity.mtimeNanoseconds {
            lock.unlock()
            return cached.digest
        }
        lock.unlock()
        let digest = try compute()
        lock.lock()
        var entry = identity
        entry.digest = digest
        entries[key] = entry
        dirty = true
        filesRead += reads
        lock.unlock()
        return digest
    }

    /// The content digest of a folder of frames: SHA-256 over `name <TAB> file digest` lines of `files`
    /// (names inside `folder`, in the order given). Remembered under the folder's path by the folder's
    /// inode, the files' total size and their newest mtime (with the count), so an unchanged folder of
    /// 200 JPEGs costs 200 `stat` calls, not 200 reads; a changed file is read again.
    public func digest(ofFolder folder: URL, files: [String]) throws -> String {
        let path = folder.standardizedFileURL.path
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw CoreError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        var total: Int64 = 0
        var newest: Int64 = 0
        for name in files {
            var fileStat = stat()
            let filePath = path + "/" + name
            guard stat(filePath, &fileStat) == 0 else {
                throw CoreError.unreadable(path: filePath, reason: String(cString: strerror(errno)))
            }
            total += Int64(fileStat.st_size)
            newest = max(newest, Int64(fileStat.st_mtim.tv_sec) * 1_000_000_000 + Int64(fileStat.st_mtim.tv_nsec))
        }
        // Total size and file count share the size field (size × 1,000,003 + count): equal totals, other counts differ.
        let identity = Entry(inode: UInt64(st.st_ino), size: total &* 1_000_003 &+ Int64(files.count),
                             mtimeNanoseconds: newest, digest: "")
        return try remembered(key: path + "/", identity, reads: files.count) {
            var text = ""
            for name in files {
                text += name + "\t" + (try FileDigest.sha256(of: URL(fileURLWithPath: path + "/" + name))) + "\n"
            }
            return FileDigest.sha256(of: Data(text.utf8))
        }
    }

    /// Writes the cache back (atomically) if anything changed.
    public func save() throws {
        lock.lock()
        defer { lock.unlock() }
        guard dirty, let file else { return }
        var text = ""
        text.reserveCapacity(entries.count * 120)
        for (path, entry) in entries.sorted(by: { $0.key < $1.key })
        where !path.contains("\n") && !path.contains("\t") {
            text += "\(entry.inode)\t\(entry.size)\t\(entry.mtimeNanoseconds)\t\(entry.digest)\t\(path)\n"
        }
        try AtomicFile.write(Data(text.utf8), to: file)
        dirty = false
    }
}
