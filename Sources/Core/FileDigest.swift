import Crypto
import Foundation

/// Content digests of input files, the "source" of an item in every shard.
public enum FileDigest {
    /// `sha256:<hex>` of the file's bytes, read in 1 MiB pieces.
    public static func sha256(of url: URL) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw CoreError.unreadable(path: url.path, reason: "cannot open for reading")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk: Data?
            do { chunk = try handle.read(upToCount: 1 << 20) } catch {
                throw CoreError.unreadable(path: url.path, reason: error.localizedDescription)
            }
            guard let chunk, !chunk.isEmpty else { break }
            hasher.update(data: chunk)
        }
        return "sha256:" + hex(hasher.finalize())
    }

    /// `sha256:<hex>` of a byte string (ids, parameter JSON, …).
    public static func sha256(of data: Data) -> String {
        "sha256:" + hex(SHA256.hash(data: data))
    }

    /// The source digest of an item computed from an upstream stage's item: the upstream stage's
    /// fingerprint and that item's own source, so a change to either makes the item stale. Item
    /// stages write it, the runner checks it.
    public static func downstreamSource(upstreamFingerprint: String, upstreamSource: String) -> String {
        sha256(of: Data("\(upstreamFingerprint)\n\(upstreamSource)".utf8))
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}

/// Errors of the Core helpers, each naming the file concerned.
public enum CoreError: Error, LocalizedError, Equatable {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case invalidShard(String)

    public var errorDescription: String? {
        switch self {
        case .unreadable(let path, let reason): return "\(path): cannot read: \(reason)"
        case .unwritable(let path, let reason): return "\(path): cannot write: \(reason)"
        case .invalidShard(let text): return "invalid --shard '\(text)': expected i/N with 0 ≤ i < N"
        }
    }
}
