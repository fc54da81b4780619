import Core
import Foundation

/// Parses safetensors files held in memory-mapped data.
enum SafetensorsReader {
    /// Headers larger than this are rejected as implausible (the reference implementation uses the same bound).
    static let maximumHeaderSize = 100_000_000

    /// Reads every tensor (copied out of `data`) and the `__metadata__` map.
    static func read(_ data: Data, file: String) throws -> Checkpoint {
        guard data.count >= 8 else {
            throw CheckpointError.truncated(file: file, detail: "\(data.count) bytes, a safetensors file starts with an 8-byte header length")
        }
        let declared = data.littleEndian(UInt64.self, at: 0)
        guard declared <= UInt64(maximumHeaderSize) else {
            throw CheckpointError.badSafetensorsHeader(file: file, reason: "header length \(declared) is implausible (limit \(maximumHeaderSize))")
        }
        let headerSize = Int(declared)
        guard 8 + headerSize <= data.count else {
            throw CheckpointError.truncated(file: file, detail: "header declares \(headerSize) bytes, only \(data.count - 8) follow")
        }
        let headerBytes = data.copyBytes(at: 8, count: headerSize)
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: headerBytes)
        } catch {
            throw CheckpointError.badSafetensorsHeader(file: file, reason: "not valid JSON (\(error.localizedDescription))")
        }
        guard let header = parsed as? [String: Any] else {
            throw CheckpointError.badSafetensorsHeader(file: file, reason: "not a JSON object")
        }

        let dataStart = 8 + headerSize
        let dataSize = data.count - dataStart
        var metadata: [String: String] = [:]
        var tensors: [String: CheckpointTensor] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else {
                    throw CheckpointError.badSafetensorsHeader(file: file, reason: "__metadata__ is not an object")
                }
                for (key, item) in map {
                    guard let text = item as? String else {
                        throw CheckpointError.badSafetensorsHeader(file: file, reason: "__metadata__['\(key)'] is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            let entry = try describe(name, value, file: file)
            let (begin, end) = entry.offsets
            guard end <= dataSize else {
                throw CheckpointError.truncated(file: file, detail: "tensor '\(name)' needs data bytes \(begin)..<\(end), the file holds \(dataSize)")
            }
            let expected = entry.shape.reduce(1, *) * entry.dtype.byteSize
            guard end - begin == expected else {
                throw CheckpointError.sizeMismatch(file: file, tensor: name, expectedBytes: expected, actualBytes: end - begin)
            }
            tensors[name] = CheckpointTensor(name: name, dtype: entry.dtype, shape: entry.shape,
                                             data: data.copyBytes(at: dataStart + begin, count: end - begin))
        }
        return Checkpoint(tensors: tensors, metadata: metadata, format: .safetensors)
    }

    private static func describe(_ name: String, _ value: Any, file: String) throws
        -> (dtype: CheckpointDType, shape: [Int], offsets: (Int, Int)) {
        func bad(_ reason: String) -> CheckpointError {
            .badSafetensorsHeader(file: file, reason: "tensor '\(name)': \(reason)")
        }
        guard let fields = value as? [String: Any] else { throw bad("entry is not an object") }
        guard let dtypeName = fields["dtype"] as? String else { throw bad("no dtype string") }
        guard let dtype = CheckpointDType(safetensorsName: dtypeName) else {
            throw CheckpointError.unsupportedDType(file: file, tensor: name, dtype: dtypeName)
        }
        guard let shape = integers(fields["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
            throw bad("shape is not a list of non-negative integers")
        }
        guard let offsets = integers(fields["data_offsets"]), offsets.count == 2,
              offsets[0] >= 0, offsets[0] <= offsets[1] else {
            throw bad("data_offsets is not [begin, end] with 0 ≤ begin ≤ end")
        }
        let (_, overflow) = shape.reduce((1, false)) { partial, size in
            let (product, overflow) = partial.0.multipliedReportingOverflow(by: size)
            return (product, partial.1 || overflow)
        }
        guard !overflow else { throw bad("shape \(shape) overflows") }
        return (dtype, shape, (offsets[0], offsets[1]))
    }

    /// A JSON array of integers (rejecting fractions and booleans), or nil.
    private static func integers(_ value: Any?) -> [Int]? {
        guard let items = value as? [Any] else { return nil }
        var result: [Int] = []
        result.reserveCapacity(items.count)
        for item in items {
            // JSON booleans arrive as NSNumbers of type char; `is Bool` would also match 0 and 1.
            guard let number = item as? NSNumber, String(cString: number.objCType) != "c" else { return nil }
            if let exact = item as? Int {
                result.append(exact)
            } else if let exact = Int(exactly: number.doubleValue) {
                result.append(exact)
            } else {
                return nil
            }
        }
        return result
    }
}
