import CTurboJPEG
import Foundation

/// How the `compact` storage profile codes frames: one baseline JPEG per frame (libjpeg-turbo, the
/// accurate integer DCT both ways), so any reader with h5py and an image library (Pillow) decodes them.
public struct JPEGSettings: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Chroma subsampling of the colour planes.
    public enum Subsampling: String, Sendable, Hashable, Codable, CaseIterable {
        /// Full-resolution chroma (4:4:4).
        case s444 = "444"
        /// Chroma halved both ways (4:2:0): JPEG's usual choice, and Animal Kingdom's own frames'.
        case s420 = "420"
    }

    /// libjpeg's quality, 1…100.
    public var quality: Int
    /// Chroma subsampling (grey frames have none).
    public var subsampling: Subsampling

    /// The default: quality 95 with 4:2:0 chroma. Measured on Big Buck Bunny cut into 640×360 clips decoded to
    /// 224² (bench/storage.sh): 7.5× smaller than raw frames at 41.2 dB PSNR; 4:4:4 takes 26 % more bytes
    /// (5.9×) for 43.8 dB.
    public static let `default` = JPEGSettings(quality: 95, subsampling: .s420)

    public init(quality: Int = JPEGSettings.default.quality, subsampling: Subsampling = JPEGSettings.default.subsampling) {
        self.quality = quality
        self.subsampling = subsampling
    }

    /// `quality=95;subsampling=420`, for messages (the `storage` attribute and `--storage` have their own spellings:
    /// `StorageProfile.attribute(for:)` and `StorageProfile.description`).
    public var description: String { "quality=\(quality);subsampling=\(subsampling.rawValue)" }
}

/// JPEG coding of whole frames (H × W × C uint8, C = 3 RGB or 1 grey) through libjpeg-turbo: every call
/// of the C library is here. Each call makes its own TurboJPEG handle, so any number of threads may code at once.
enum JPEGCodec {
    /// One frame coded as a JPEG blob.
    static func encode(_ pixels: UnsafeRawPointer, width: Int, height: Int, channels: Int, settings: JPEGSettings,
                       path: String) throws -> [UInt8] {
        guard let format = pixelFormat(channels: channels) else {
            throw StoreError.invalidShape(path: path, detail: "JPEG frames need 1 or 3 channels, not \(channels)")
        }
        guard (1...100).contains(settings.quality) else {
            throw StoreError.invalidShape(path: path, detail: "JPEG quality \(settings.quality) is outside 1…100")
        }
        guard let handle = tjInitCompress() else { throw failure(nil, "tjInitCompress", path: path) }
        defer { tjDestroy(handle) }
        let sampling = channels == 1 ? TJSAMP_GRAY : settings.subsampling == .s444 ? TJSAMP_444 : TJSAMP_420
        var blob: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        defer { if let blob { tjFree(blob) } }
        let status = tjCompress2(handle, pixels.assumingMemoryBound(to: UInt8.self), Int32(width), 0, Int32(height), format.rawValue,
                                 &blob, &size, Int32(sampling.rawValue), Int32(settings.quality), TJFLAG_ACCURATEDCT)
        guard status == 0, let blob else { throw failure(handle, "tjCompress2", path: path) }
        return Array(UnsafeBufferPointer(start: blob, count: Int(size)))
    }

    /// Decodes `blob` into `output` (height × width × channels bytes), checking that its size is the frame's.
    static func decode(_ blob: UnsafeRawBufferPointer, width: Int, height: Int, channels: Int, into output: UnsafeMutableRawPointer,
                       path: String, row: Int) throws {
        guard let format = pixelFormat(channels: channels) else {
            throw StoreError.invalidShape(path: path, detail: "JPEG frames need 1 or 3 channels, not \(channels)")
        }
        guard let base = blob.baseAddress?.assumingMemoryBound(to: UInt8.self), !blob.isEmpty else {
            throw StoreError.corruptFrame(path: path, row: row, detail: "empty JPEG blob")
        }
        guard let handle = tjInitDecompress() else { throw failure(nil, "tjInitDecompress", path: path) }
        defer { tjDestroy(handle) }
        var (w, h, sampling, colourspace): (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)
        guard tjDecompressHeader3(handle, base, UInt(blob.count), &w, &h, &sampling, &colourspace) == 0 else {
            throw StoreError.corruptFrame(path: path, row: row, detail: message(handle))
        }
        guard Int(w) == width, Int(h) == height else {
            throw StoreError.corruptFrame(path: path, row: row, detail: "a \(w)×\(h) JPEG in a dataset of \(width)×\(height) frames")
        }
        guard tjDecompress2(handle, base, UInt(blob.count), output.assumingMemoryBound(to: UInt8.self), w, 0, h, format.rawValue, 0) == 0 else {
            // A warning (a truncated scan that still decoded) is damage too: the frame is not what was written.
            throw StoreError.corruptFrame(path: path, row: row, detail: message(handle))
        }
    }

    private static func pixelFormat(channels: Int) -> TJPF? {
        switch channels {
        case 3: return TJPF_RGB
        case 1: return TJPF_GRAY
        default: return nil
        }
    }

    private static func message(_ handle: tjhandle?) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "unknown libjpeg-turbo error" }
        return String(cString: text)
    }

    private static func failure(_ handle: tjhandle?, _ operation: String, path: String) -> StoreError {
        .codecFailure(path: path, operation: "libjpeg-turbo \(operation)", detail: message(handle))
    }
}

/// Where a `compact` shard keeps its frames (schema 1, DESIGN.md §3 and §5b): `frames_jpeg`, uint8 (B,), the
/// blobs back to back (chunks of 128 KiB, Fletcher-32); `frames_jpeg_offsets`, int64 (N + 1,), row r's blob is
/// bytes `offsets[r]..<offsets[r+1]`; `frames_jpeg_shape`, int64 (3,), the decoded frame's (H, W, C).
enum JPEGLayout {
    static let blobs = "frames_jpeg"
    static let offsets = "frames_jpeg_offsets"
    static let shape = "frames_jpeg_shape"
    /// Bytes per chunk of `frames_jpeg`: a 224² frame at quality 95 is 20–35 KB, so reading one touches one or two chunks.
    static let chunkBytes = 128 << 10
}

/// The error of the lowest-numbered part among several decoded on different threads.
final class FirstFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var failure: (index: Int, error: Error)?

    func record(_ error: Error, at index: Int) {
        lock.lock()
        defer { lock.unlock() }
        if failure.map({ index < $0.index }) ?? true { failure = (index, error) }
    }

    var first: Error? {
        lock.lock()
        defer { lock.unlock() }
        return failure?.error
    }
}
