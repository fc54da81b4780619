import Core
import Foundation

/// Why a checkpoint could not be read or written; every case names the file it is about.
public enum CheckpointError: Error, LocalizedError, Equatable {
    /// The file could not be opened, read or created.
    case cannotAccess(file: String, reason: String)
    /// The content matches none of the supported formats.
    case unknownFormat(file: String)
    /// A pre-1.6 `torch.save` file (a bare pickle stream, not a zip archive).
    case legacyTorchFormat(file: String)
    /// The file ends before a structure it declares.
    case truncated(file: String, detail: String)
    /// The safetensors header is not what the specification allows.
    case badSafetensorsHeader(file: String, reason: String)
    /// A tensor's bytes do not match its dtype and shape.
    case sizeMismatch(file: String, tensor: String, expectedBytes: Int, actualBytes: Int)
    /// A tensor has an element type this reader does not represent (complex, quantized, float8, unsigned > 8 bits, …).
    case unsupportedDType(file: String, tensor: String, dtype: String)
    /// The zip structure (end record, central directory, local header) is malformed.
    case badZip(file: String, reason: String)
    /// A zip entry is compressed with a method other than stored or deflate.
    case unsupportedCompression(file: String, entry: String, method: Int)
    /// A zip entry's compressed stream or checksum is damaged.
    case corruptEntry(file: String, entry: String, reason: String)
    /// An entry the archive refers to (a tensor storage, `data.pkl`) is not in it.
    case missingEntry(file: String, entry: String)
    /// The pickle uses an opcode this unpickler does not implement.
    case unsupportedOpcode(file: String, entry: String, opcode: UInt8, offset: Int)
    /// The pickle stream is malformed (stack underflow, bad memo reference, unexpected value).
    case badPickle(file: String, entry: String, offset: Int, reason: String)
    /// A tensor's view (offset, sizes, strides) does not fit its storage, or its description is malformed.
    case badTensor(file: String, tensor: String, reason: String)
    /// Two tensors would get the same name.
    case duplicateName(file: String, name: String)
    /// A floating-point tensor holds NaN or infinite values (a damaged file, or weights saved from a diverged
    /// run); `otherTensors` more tensors of the file hold some too.
    case nonFinite(file: String, tensor: String, nan: Int, infinite: Int, otherTensors: Int)

    /// A sentence naming the file and what is wrong with it.
    public var errorDescription: String? {
        switch self {
        case let .cannotAccess(file, reason):
            return "\(file): cannot access the file: \(reason)"
        case let .unknownFormat(file):
            return "\(file): not a safetensors file, a torch.save zip archive or a TorchScript archive"
        case let .legacyTorchFormat(file):
            return "\(file): legacy torch.save format (PyTorch < 1.6, not a zip archive); re-save it with torch>=1.6: torch.save(torch.load(path), path)"
        case let .truncated(file, detail):
            return "\(file): file is truncated: \(detail)"
        case let .badSafetensorsHeader(file, reason):
            return "\(file): bad safetensors header: \(reason)"
        case let .sizeMismatch(file, tensor, expected, actual):
            return "\(file): tensor '\(tensor)' should occupy \(expected) bytes for its dtype and shape, but has \(actual)"
        case let .unsupportedDType(file, tensor, dtype):
            return "\(file): tensor '\(tensor)' has unsupported dtype \(dtype)"
        case let .badZip(file, reason):
            return "\(file): malformed zip archive: \(reason)"
        case let .unsupportedCompression(file, entry, method):
            return "\(file): zip entry '\(entry)' uses compression method \(method); only stored (0) and deflate (8) are supported"
        case let .corruptEntry(file, entry, reason):
            return "\(file): zip entry '\(entry)' is corrupt: \(reason)"
        case let .missingEntry(file, entry):
            return "\(file): archive has no entry '\(entry)'"
        case let .unsupportedOpcode(file, entry, opcode, offset):
            return "\(file): \(entry): unsupported pickle opcode 0x\(String(opcode, radix: 16, uppercase: false)) at offset \(offset)"
        case let .badPickle(file, entry, offset, reason):
            return "\(file): \(entry): malformed pickle at offset \(offset): \(reason)"
        case let .badTensor(file, tensor, reason):
            return "\(file): tensor '\(tensor)': \(reason)"
        case let .duplicateName(file, name):
            return "\(file): two tensors are named '\(name)'"
        case let .nonFinite(file, tensor, nan, infinite, otherTensors):
            let counts = [nan > 0 ? "\(nan) NaN value(s)" : nil, infinite > 0 ? "\(infinite) infinite value(s)" : nil]
                .compactMap { $0 }.joined(separator: " and ")
            let others = otherTensors > 0 ? " (and \(otherTensors) more tensor(s) hold non-finite values)" : ""
            return "\(file): tensor \(tensor) holds \(counts)\(others); the file is damaged or was saved from a diverged "
                + "training run: use another copy, or an earlier checkpoint"
        }
    }

    /// The same failure of the zip layer, as the checkpoint error that names it.
    init(_ zip: ZipError) {
        switch zip {
        case let .truncated(file, detail): self = .truncated(file: file, detail: detail)
        case let .malformed(file, reason): self = .badZip(file: file, reason: reason)
        case let .unsupportedCompression(file, entry, method): self = .unsupportedCompression(file: file, entry: entry, method: method)
        case let .corruptEntry(file, entry, reason): self = .corruptEntry(file: file, entry: entry, reason: reason)
        }
    }

    /// The file the error is about.
    public var file: String {
        switch self {
        case let .cannotAccess(file, _), let .unknownFormat(file), let .legacyTorchFormat(file),
             let .truncated(file, _), let .badSafetensorsHeader(file, _), let .sizeMismatch(file, _, _, _),
             let .unsupportedDType(file, _, _), let .badZip(file, _), let .unsupportedCompression(file, _, _),
             let .corruptEntry(file, _, _), let .missingEntry(file, _), let .unsupportedOpcode(file, _, _, _),
             let .badPickle(file, _, _, _), let .badTensor(file, _, _), let .duplicateName(file, _),
             let .nonFinite(file, _, _, _, _):
            return file
        }
    }
}
