import Core
import Foundation

/// Writes safetensors files atomically: a temporary file in the same folder, fsync, then rename.
///
/// Tensors go in sorted name order, the header is padded with spaces to a multiple of 8 bytes (so the data
/// section is 8-byte aligned), and `metadata` becomes the `__metadata__` string map (omitted when empty).
public enum SafetensorsWriter {
    /// Writes `tensors` and `metadata` to `url`, replacing any existing file only once the new one is complete.
    public static func write(_ tensors: [CheckpointTensor], metadata: [String: String] = [:], to url: URL) throws {
        let file = url.checkpointDisplayPath
        let sorted = tensors.sorted { $0.name < $1.name }
        var seen = Set<String>()
        for tensor in sorted {
            guard tensor.name != "__metadata__" else {
                throw CheckpointError.badTensor(file: file, tensor: tensor.name, reason: "the name __metadata__ is reserved by safetensors")
            }
            guard seen.insert(tensor.name).inserted else { throw CheckpointError.duplicateName(file: file, name: tensor.name) }
            guard tensor.shape.allSatisfy({ $0 >= 0 }) else {
                throw CheckpointError.badTensor(file: file, tensor: tensor.name, reason: "negative size in shape \(tensor.shape)")
            }
            guard tensor.data.count == tensor.byteCount else {
                throw CheckpointError.sizeMismatch(file: file, tensor: tensor.name, expectedBytes: tensor.byteCount, actualBytes: tensor.data.count)
            }
        }

        let header = headerBytes(sorted, metadata: metadata)
        var prefix = Data(count: 8)
        prefix.withUnsafeMutableBytes { $0.storeBytes(of: UInt64(header.count).littleEndian, as: UInt64.self) }
        prefix.append(header)
        try AtomicFile.write(to: url) { handle in
            try handle.write(contentsOf: prefix)
            for tensor in sorted where !tensor.data.isEmpty { try handle.write(contentsOf: tensor.data) }
        }
    }

    /// The JSON header, padded with spaces to a multiple of 8 bytes.
    static func headerBytes(_ sorted: [CheckpointTensor], metadata: [String: String]) -> Data {
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(JSONText.quoted($0)):\(JSONText.quoted(metadata[$0]!))" }
            fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for tensor in sorted {
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            let end = offset + tensor.data.count
            fields.append("\(JSONText.quoted(tensor.name)):{\"dtype\":\"\(tensor.dtype.safetensorsName)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var json = Data(("{" + fields.joined(separator: ",") + "}").utf8)
        let padding = (8 - json.count % 8) % 8
        json.append(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: padding))
        return json
    }
}

/// Writes a file through a temporary sibling, fsync and rename, so readers see the old file or the whole new one.
enum AtomicFile {
    /// Creates `url` from what `body` writes to the handle.
    static func write(to url: URL, _ body: (FileHandle) throws -> Void) throws {
        let file = url.checkpointDisplayPath
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw CheckpointError.cannotAccess(file: file, reason: "cannot create \(temporary.path)")
        }
        var committed = false
        defer { if !committed { try? FileManager.default.removeItem(at: temporary) } }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            do {
                try body(handle)
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError.cannotAccess(file: file, reason: "writing \(temporary.lastPathComponent): \(error.localizedDescription)")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            throw CheckpointError.cannotAccess(file: file, reason: "renaming the temporary file into place: \(reason)")
        }
        committed = true
        // Persist the rename itself: fsync the folder (best effort; some filesystems refuse).
        let folderDescriptor = open(folder.path, O_RDONLY)
        if folderDescriptor >= 0 {
            _ = fsync(folderDescriptor)
            _ = close(folderDescriptor)
        }
    }
}
