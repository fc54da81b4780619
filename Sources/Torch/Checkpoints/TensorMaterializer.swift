import Core
import Foundation

/// Turns pickled tensor views (storage + offset + sizes + strides) into contiguous little-endian tensors.
enum TensorMaterializer {
    /// Copies the elements `view` selects, in row-major order, byte-swapping them if the storages are big-endian.
    static func materialize(_ view: TorchTensorView, name: String, file: String, bigEndian: Bool) throws -> CheckpointTensor {
        let shape = view.shape, strides = view.strides
        guard shape.count == strides.count else {
            throw CheckpointError.badTensor(file: file, tensor: name, reason: "\(shape.count) sizes but \(strides.count) strides")
        }
        guard view.offset >= 0, shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }) else {
            throw CheckpointError.badTensor(file: file, tensor: name, reason: "negative offset, size or stride (offset \(view.offset), size \(shape), stride \(strides))")
        }
        let elementSize = view.dtype.byteSize
        let (count, countOverflow) = shape.reduce((1, false)) { partial, size in
            let (product, overflow) = partial.0.multipliedReportingOverflow(by: size)
            return (product, partial.1 || overflow)
        }
        guard !countOverflow else { throw CheckpointError.badTensor(file: file, tensor: name, reason: "size \(shape) overflows") }
        if count == 0 {
            return CheckpointTensor(name: name, dtype: view.dtype, shape: shape, data: Data())
        }
        // The furthest element the view touches must lie inside the storage.
        var last = view.offset
        for (size, stride) in zip(shape, strides) {
            let (step, overflow) = (size - 1).multipliedReportingOverflow(by: stride)
            guard !overflow else { throw CheckpointError.badTensor(file: file, tensor: name, reason: "strides overflow") }
            last += step
        }
        let storageElements = view.storage.bytes.count / elementSize
        guard last < storageElements else {
            throw CheckpointError.badTensor(file: file, tensor: name,
                reason: "view (offset \(view.offset), size \(shape), stride \(strides)) reaches element \(last), storage \(view.storage.key) holds \(storageElements) \(view.dtype.rawValue) elements")
        }

        var data: Data
        if isContiguous(shape: shape, strides: strides) {
            data = view.storage.bytes.copyBytes(at: view.offset * elementSize, count: count * elementSize)
        } else {
            data = gather(view, count: count)
        }
        if bigEndian && elementSize > 1 { swapBytes(&data, elementSize: elementSize) }
        return CheckpointTensor(name: name, dtype: view.dtype, shape: shape, data: data)
    }

    /// Row-major contiguity; dimensions of size 1 may carry any stride.
    static func isContiguous(shape: [Int], strides: [Int]) -> Bool {
        var expected = 1
        for (size, stride) in zip(shape, strides).reversed() where size != 1 {
            if stride != expected { return false }
            expected *= size
        }
        return true
    }

    /// Walks a strided view in row-major order, copying runs along the innermost dimension when it is dense.
    private static func gather(_ view: TorchTensorView, count: Int) -> Data {
        let elementSize = view.dtype.byteSize
        let shape = view.shape, strides = view.strides
        let rank = shape.count
        let innerSize = shape[rank - 1], innerStride = strides[rank - 1]
        var output = Data(count: count * elementSize)
        output.withUnsafeMutableBytes { destination in
            view.storage.bytes.withUnsafeBytes { source in
                var index = [Int](repeating: 0, count: rank - 1)
                var written = 0
                let rows = count / innerSize
                for _ in 0 ..< rows {
                    var start = view.offset
                    for dim in 0 ..< rank - 1 { start += index[dim] * strides[dim] }
                    if innerStride == 1 {
                        (destination.baseAddress! + written).copyMemory(from: source.baseAddress! + start * elementSize,
                                                                        byteCount: innerSize * elementSize)
                        written += innerSize * elementSize
                    } else {
                        for element in 0 ..< innerSize {
                            (destination.baseAddress! + written).copyMemory(
                                from: source.baseAddress! + (start + element * innerStride) * elementSize, byteCount: elementSize)
                            written += elementSize
                        }
                    }
                    // Odometer increment over the outer dimensions.
                    var dim = rank - 2
                    while dim >= 0 {
                        index[dim] += 1
                        if index[dim] < shape[dim] { break }
                        index[dim] = 0
                        dim -= 1
                    }
                }
            }
        }
        return output
    }

    private static func swapBytes(_ data: inout Data, elementSize: Int) {
        data.withUnsafeMutableBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            while start < bytes.count {
                var low = start, high = start + elementSize - 1
                while low < high {
                    bytes.swapAt(low, high)
                    low += 1
                    high -= 1
                }
                start += elementSize
            }
        }
    }
}
