import CFFmpeg

/// Turns decoded frames upright by rearranging their planes, in the decoder's own
/// pixel format, as the ffmpeg tool's autorotation filters (`transpose`, `hflip`,
/// `vflip`) do before the user's scale filter. Moving whole samples around is
/// lossless, so the scaler that follows sees exactly the picture the CLI's scaler sees.
///
/// Pixel formats those filters cannot take directly (4:2:2 through a transpose,
/// say) are first converted the way the CLI's filter graph would: to the format
/// FFmpeg's negotiation ranks best among those that can be rearranged, with a
/// scale-filter-equivalent swscale step.
final class FrameRotator {
    let orientation: Orientation
    private var output: UnsafeMutablePointer<AVFrame>?
    private var converted: UnsafeMutablePointer<AVFrame>?
    private var converter: FrameScaler?
    private var substitutes: [Int32: AVPixelFormat] = [:]

    init(orientation: Orientation) {
        self.orientation = orientation
    }

    deinit {
        av_frame_free(&output)
        av_frame_free(&converted)
    }

    /// `frame` turned upright. The result belongs to the rotator and stays valid until the next call.
    func apply(_ frame: UnsafeMutablePointer<AVFrame>, path: String) throws -> UnsafeMutablePointer<AVFrame> {
        guard let descriptor = av_pix_fmt_desc_get(AVPixelFormat(rawValue: frame.pointee.format)) else {
            throw MediaError.decodeFailed(path: path, reason: "decoded frame has no pixel format")
        }
        var source = frame
        if !Self.canRearrange(descriptor, transposing: orientation.transposed) {
            source = try convertForRearranging(frame, path: path)
        }
        let width = Int(source.pointee.width), height = Int(source.pointee.height)
        let size = orientation.displayedSize(width: width, height: height)
        let target = try Self.frame(&output, width: size.width, height: size.height,
                                    format: source.pointee.format, path: path)
        Self.copyColorProperties(from: source, to: target)
        guard let sourceDescriptor = av_pix_fmt_desc_get(AVPixelFormat(rawValue: source.pointee.format)) else {
            throw MediaError.decodeFailed(path: path, reason: "converted frame has no pixel format")
        }
        var steps = [Int32](repeating: 0, count: 4)
        av_image_fill_max_pixsteps(&steps, nil, sourceDescriptor)
        let planes = Int(av_pix_fmt_count_planes(AVPixelFormat(rawValue: source.pointee.format)))
        for plane in 0..<planes {
            let chroma = plane == 1 || plane == 2
            let shiftX = chroma ? Int(sourceDescriptor.pointee.log2_chroma_w) : 0
            let shiftY = chroma ? Int(sourceDescriptor.pointee.log2_chroma_h) : 0
            guard let from = planeData(source, plane), let to = planeData(target, plane) else {
                throw MediaError.decodeFailed(path: path, reason: "frame lacks plane \(plane) of its pixel format")
            }
            let plan = PlaneCopy(
                source: UnsafePointer(from), sourceStride: Int(lineSize(source, plane)),
                destination: to, destinationStride: Int(lineSize(target, plane)),
                sourceWidth: ceilShift(width, shiftX), sourceHeight: ceilShift(height, shiftY),
                bytesPerPixel: Int(steps[plane]))
            plan.run(orientation)
        }
        return target
    }

    /// Converts `frame` to the format the CLI's negotiation would pick for the rotation filters.
    private func convertForRearranging(_ frame: UnsafeMutablePointer<AVFrame>, path: String) throws -> UnsafeMutablePointer<AVFrame> {
        let sourceFormat = frame.pointee.format
        let format: AVPixelFormat
        if let known = substitutes[sourceFormat] {
            format = known
        } else {
            guard let chosen = Self.substituteFormat(for: AVPixelFormat(rawValue: sourceFormat),
                                                     transposing: orientation.transposed) else {
                let name = av_get_pix_fmt_name(AVPixelFormat(rawValue: sourceFormat)).map { String(cString: $0) } ?? "\(sourceFormat)"
                throw MediaError.decodeFailed(path: path, reason: "cannot turn frames of pixel format \(name) upright")
            }
            substitutes[sourceFormat] = chosen
            format = chosen
        }
        let width = Int(frame.pointee.width), height = Int(frame.pointee.height)
        if converter?.outputWidth != width || converter?.outputHeight != height || converter?.outputFormat != format {
            converter = FrameScaler(outputWidth: width, outputHeight: height, outputFormat: format)
        }
        let target = try Self.frame(&converted, width: width, height: height, format: format.rawValue, path: path)
        try converter?.scale(frame, into: target, path: path)
        Self.copyColorProperties(from: frame, to: target)
        return target
    }

    /// Whether the planes of this format can be rearranged sample by sample: not paletted,
    /// bit-packed or hardware; no chroma shared with luma in a subsampled packed layout;
    /// and, for a transpose, equal horizontal and vertical subsampling (the `transpose`
    /// filter's own condition).
    static func canRearrange(_ descriptor: UnsafePointer<AVPixFmtDescriptor>, transposing: Bool) -> Bool {
        let d = descriptor.pointee
        let excluded = UInt64(AV_PIX_FMT_FLAG_PAL) | UInt64(AV_PIX_FMT_FLAG_HWACCEL) | UInt64(AV_PIX_FMT_FLAG_BITSTREAM)
        if d.flags & excluded != 0 { return false }
        let subsampled = d.log2_chroma_w != 0 || d.log2_chroma_h != 0
        if subsampled && d.nb_components >= 2 && d.comp.0.plane == d.comp.1.plane { return false }
        return !transposing || d.log2_chroma_w == d.log2_chroma_h
    }

    /// The format an auto-inserted scaler would convert `source` to: the best-ranked
    /// (av_find_best_pix_fmt_of_2, in FFmpeg's format order) among the formats that can
    /// be rearranged and that swscale reads and writes.
    static func substituteFormat(for source: AVPixelFormat, transposing: Bool) -> AVPixelFormat? {
        guard let sourceDescriptor = av_pix_fmt_desc_get(source) else { return nil }
        let hasAlpha: Int32 = sourceDescriptor.pointee.nb_components % 2 == 0 ? 1 : 0
        var best = AV_PIX_FMT_NONE
        var descriptor = av_pix_fmt_desc_next(nil)
        while let current = descriptor {
            let format = av_pix_fmt_desc_get_id(current)
            if canRearrange(current, transposing: transposing),
               sws_isSupportedInput(format) > 0, sws_isSupportedOutput(format) > 0 {
                best = av_find_best_pix_fmt_of_2(best, format, source, hasAlpha, nil)
            }
            descriptor = av_pix_fmt_desc_next(current)
        }
        return best == AV_PIX_FMT_NONE ? nil : best
    }

    /// Makes `slot` a writable frame of this size and format, reusing it when it already is one.
    private static func frame(_ slot: inout UnsafeMutablePointer<AVFrame>?, width: Int, height: Int, format: Int32,
                              path: String) throws -> UnsafeMutablePointer<AVFrame> {
        if let existing = slot, Int(existing.pointee.width) == width, Int(existing.pointee.height) == height,
           existing.pointee.format == format {
            return existing
        }
        av_frame_free(&slot)
        guard let fresh = av_frame_alloc() else { throw MediaError.decodeFailed(path: path, reason: "out of memory") }
        slot = fresh
        fresh.pointee.width = Int32(width)
        fresh.pointee.height = Int32(height)
        fresh.pointee.format = format
        let allocated = av_frame_get_buffer(fresh, 0)
        guard allocated >= 0 else {
            av_frame_free(&slot)
            throw MediaError.decodeFailed(path: path, reason: "cannot allocate a rotated frame: \(ffmpegErrorText(allocated))")
        }
        return fresh
    }

    /// The colour facts the scaler reads (the filters pass them through unchanged).
    private static func copyColorProperties(from source: UnsafeMutablePointer<AVFrame>, to target: UnsafeMutablePointer<AVFrame>) {
        target.pointee.colorspace = source.pointee.colorspace
        target.pointee.color_range = source.pointee.color_range
        target.pointee.color_primaries = source.pointee.color_primaries
        target.pointee.color_trc = source.pointee.color_trc
        target.pointee.chroma_location = source.pointee.chroma_location
    }
}

/// Plane `index` of `frame`, when the frame has one.
private func planeData(_ frame: UnsafeMutablePointer<AVFrame>, _ index: Int) -> UnsafeMutablePointer<UInt8>? {
    withUnsafeBytes(of: frame.pointee.data) {
        $0.load(fromByteOffset: index * MemoryLayout<UnsafeMutablePointer<UInt8>?>.stride, as: UnsafeMutablePointer<UInt8>?.self)
    }
}

/// Bytes per row of plane `index` of `frame`.
private func lineSize(_ frame: UnsafeMutablePointer<AVFrame>, _ index: Int) -> Int32 {
    withUnsafeBytes(of: frame.pointee.linesize) { $0.load(fromByteOffset: index * 4, as: Int32.self) }
}

/// AV_CEIL_RSHIFT: a plane's size under chroma subsampling, rounded up.
private func ceilShift(_ value: Int, _ shift: Int) -> Int { -((-value) >> shift) }

/// One plane's rearrangement: every output sample read from its source position.
private struct PlaneCopy {
    var source: UnsafePointer<UInt8>
    var sourceStride: Int
    var destination: UnsafeMutablePointer<UInt8>
    var destinationStride: Int
    var sourceWidth: Int
    var sourceHeight: Int
    var bytesPerPixel: Int

    func run(_ orientation: Orientation) {
        let (width, height) = orientation.displayedSize(width: sourceWidth, height: sourceHeight)
        let step = bytesPerPixel
        for y in 0..<height {
            // Where output pixel (0, y) comes from, and how far the source moves per output pixel.
            let row: Int, column: Int, advance: Int
            if orientation.transposed {
                row = orientation.reverseRows ? sourceHeight - 1 : 0
                column = orientation.reverseColumns ? sourceWidth - 1 - y : y
                advance = orientation.reverseRows ? -sourceStride : sourceStride
            } else {
                row = orientation.reverseRows ? sourceHeight - 1 - y : y
                column = orientation.reverseColumns ? sourceWidth - 1 : 0
                advance = orientation.reverseColumns ? -step : step
            }
            let first = source + row * sourceStride + column * step
            let out = destination + y * destinationStride
            if step == 1 {
                for x in 0..<width { out[x] = first[x * advance] }
            } else {
                for x in 0..<width { (out + x * step).update(from: first + x * advance, count: step) }
            }
        }
    }
}
