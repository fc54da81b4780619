import Foundation

/// Why a zip archive, or one of its entries, could not be read; every case names the archive.
///
/// Readers of zip-based formats (`.pth` checkpoints, `.xlsx` workbooks) turn these into their own errors.
public enum ZipError: Error, LocalizedError, Equatable, Sendable {
    /// The archive ends before a structure it declares.
    case truncated(file: String, detail: String)
    /// The zip structure (end record, central directory, local header) is malformed, or an entry is encrypted.
    case malformed(file: String, reason: String)
    /// An entry is compressed with a method other than stored (0) or deflate (8).
    case unsupportedCompression(file: String, entry: String, method: Int)
    /// An entry's deflate stream or CRC-32 is damaged.
    case corruptEntry(file: String, entry: String, reason: String)

    /// A sentence naming the archive and what is wrong with it.
    public var errorDescription: String? { "\(file): \(reason)" }

    /// What is wrong, without the archive's name (for errors of formats built on zip that name it their own way).
    public var reason: String {
        switch self {
        case let .truncated(_, detail):
            return "file is truncated: \(detail)"
        case let .malformed(_, reason):
            return "malformed zip archive: \(reason)"
        case let .unsupportedCompression(_, entry, method):
            return "zip entry '\(entry)' uses compression method \(method); only stored (0) and deflate (8) are supported"
        case let .corruptEntry(_, entry, reason):
            return "zip entry '\(entry)' is corrupt: \(reason)"
        }
    }

    /// The archive the error is about.
    public var file: String {
        switch self {
        case let .truncated(file, _), let .malformed(file, _), let .unsupportedCompression(file, _, _),
             let .corruptEntry(file, _, _):
            return file
        }
    }
}
