import CVision

/// Dense optical flow by OpenCV's DIS (Dense Inverse Search), on the CPU.
///
/// Frames are packed RGB24 (`height × width × 3` bytes, row-major), turned into grey the way
/// `cv::cvtColor(COLOR_RGB2GRAY)` does; a flow field is float32 planar `(2, height, width)`:
/// the u (x) plane, then the v (y) plane, the layout RAFT and torchvision use.
///
/// One instance owns one DIS object and its scratch buffers, so an instance is not
/// thread-safe: give each thread its own. OpenCV may still spread one call over several
/// cores; `OpenCVRuntime.setThreadCount(_:)` controls that for the whole process.
public final class DISOpticalFlow {
    /// DIS's speed/quality presets, as OpenCV defines them.
    public enum Preset: String, CaseIterable, Sendable {
        /// Fastest: patches matched down to quarter resolution, no variational refinement.
        case ultrafast
        /// Quarter resolution with variational refinement (OpenCV's default preset).
        case fast
        /// Half resolution, denser patches and more iterations: slowest and most accurate.
        case medium

        var code: Int32 {
            switch self {
            case .ultrafast: return Int32(VV_PRESET_ULTRAFAST)
            case .fast: return Int32(VV_PRESET_FAST)
            case .medium: return Int32(VV_PRESET_MEDIUM)
            }
        }
    }

    /// The preset this instance computes with.
    public let preset: Preset
    private let handle: vv_dis

    /// Creates a DIS object for `preset`.
    public init(preset: Preset = .fast) throws {
        var handle: vv_dis?
        try checkStatus(vv_dis_create(preset.code, &handle), "creating a DIS (\(preset.rawValue)) object")
        guard let handle else {
            throw VisionError.opencv(operation: "creating a DIS (\(preset.rawValue)) object",
                                     code: Int32(VV_E_INTERNAL), message: "no handle returned")
        }
        self.preset = preset
        self.handle = handle
    }

    deinit { vv_dis_free(handle) }

    /// The flow field that carries frame `from` onto frame `to`: `2 × height × width` floats,
    /// u plane then v plane, in pixels.
    public func flow(from: [UInt8], to: [UInt8], width: Int, height: Int) throws -> [Float] {
        let (frameBytes, planeCount) = try Self.sizes(width: width, height: height)
        guard from.count == frameBytes else {
            throw VisionError.bufferSize(what: "first frame (\(width)×\(height) RGB24)", expected: frameBytes,
                                         actual: from.count)
        }
        guard to.count == frameBytes else {
            throw VisionError.bufferSize(what: "second frame (\(width)×\(height) RGB24)", expected: frameBytes,
                                         actual: to.count)
        }
        var field = [Float](repeating: 0, count: 2 * planeCount)
        let status = from.withUnsafeBufferPointer { first in
            to.withUnsafeBufferPointer { second in
                field.withUnsafeMutableBufferPointer { out in
                    vv_dis_flow(handle, first.baseAddress, first.count, second.baseAddress, second.count,
                                Int32(width), Int32(height), out.baseAddress, out.count)
                }
            }
        }
        try checkStatus(status, "DIS (\(preset.rawValue)) flow on \(width)×\(height) frames")
        return field
    }

    /// The flow fields between consecutive frames: T frames give T−1 fields, field i carrying
    /// frame i onto frame i+1.
    public func flows(frames: [[UInt8]], width: Int, height: Int) throws -> [[Float]] {
        guard frames.count >= 2 else { throw VisionError.tooFewFrames(frames.count) }
        // Check every frame first, so a bad one deep in a clip fails before any work is done.
        let frameBytes = try Self.sizes(width: width, height: height).frameBytes
        if let bad = frames.firstIndex(where: { $0.count != frameBytes }) {
            throw VisionError.bufferSize(what: "frame \(bad) (\(width)×\(height) RGB24)", expected: frameBytes,
                                         actual: frames[bad].count)
        }
        var fields: [[Float]] = []
        fields.reserveCapacity(frames.count - 1)
        for index in 1..<frames.count {
            fields.append(try flow(from: frames[index - 1], to: frames[index], width: width, height: height))
        }
        return fields
    }

    /// Bytes of one RGB24 frame and floats of one flow plane, or an error for sizes that are
    /// not positive or overflow what the shim can address.
    private static func sizes(width: Int, height: Int) throws -> (frameBytes: Int, planeCount: Int) {
        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max) else {
            throw VisionError.invalidSize(width: width, height: height)
        }
        let (plane, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, plane <= Int(Int32.max) / 3 else { throw VisionError.invalidSize(width: width, height: height) }
        return (plane * 3, plane)
    }
}
