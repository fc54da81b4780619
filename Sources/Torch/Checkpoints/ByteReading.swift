import Foundation

// Byte reading within Data (`littleEndian(_:at:)`, `view(at:count:)`, `copyBytes(at:count:)`) lives in Core.

extension URL {
    /// The path used to name this file in errors.
    var checkpointDisplayPath: String { isFileURL ? path : absoluteString }
}

/// Opens a file as memory-mapped data, turning Foundation's error into a `CheckpointError`.
func mapFile(_ url: URL) throws -> Data {
    do {
        return try Data(contentsOf: url, options: .alwaysMapped)
    } catch {
        throw CheckpointError.cannotAccess(file: url.checkpointDisplayPath, reason: error.localizedDescription)
    }
}
