import CFFmpeg

/// Converts decoded frames to a fixed output size and pixel format (packed RGB24
/// unless told otherwise) with swscale, configured the way FFmpeg's `scale` filter
/// configures it, so that the pixels equal
/// `ffmpeg -vf scale=W:H -sws_flags bilinear -pix_fmt rgb24` exactly.
final class FrameScaler {
    let outputWidth: Int
    let outputHeight: Int
    let outputFormat: AVPixelFormat
    let flags: Int32
    private var context: OpaquePointer?
    private var configuredFor: (width: Int32, height: Int32, format: Int32)?

    init(outputWidth: Int, outputHeight: Int, outputFormat: AVPixelFormat = AV_PIX_FMT_RGB24, flags: Int32 = SWS_BILINEAR) {
        self.outputWidth = outputWidth
        self.outputHeight = outputHeight
        self.outputFormat = outputFormat
        self.flags = flags
    }

    deinit { sws_freeContext(context) }

    /// Scales `frame` into `destination` (outputWidth × outputHeight × 3 bytes); RGB24 output only.
    func scale(_ frame: UnsafeMutablePointer<AVFrame>, into destination: UnsafeMutablePointer<UInt8>, path: String) throws {
        var dstData: [UnsafeMutablePointer<UInt8>?] = [destination, nil, nil, nil]
        var dstStride: [Int32] = [Int32(outputWidth * 3), 0, 0, 0]
        try run(frame, dstData: &dstData, dstStride: &dstStride, path: path)
    }

    /// Scales `frame` into the planes of `output`, a frame already allocated at the
    /// output size and format.
    func scale(_ frame: UnsafeMutablePointer<AVFrame>, into output: UnsafeMutablePointer<AVFrame>, path: String) throws {
        var dstData = withUnsafeBytes(of: output.pointee.data) { Array($0.bindMemory(to: UnsafeMutablePointer<UInt8>?.self)) }
        var dstStride = withUnsafeBytes(of: output.pointee.linesize) { Array($0.bindMemory(to: Int32.self)) }
        try run(frame, dstData: &dstData, dstStride: &dstStride, path: path)
    }

    private func run(_ frame: UnsafeMutablePointer<AVFrame>, dstData: inout [UnsafeMutablePointer<UInt8>?],
                     dstStride: inout [Int32], path: String) throws {
        let f = frame.pointee
        if configuredFor?.width != f.width || configuredFor?.height != f.height || configuredFor?.format != f.format {
            try configure(width: f.width, height: f.height, format: f.format, path: path)
        }
        applyColorDetails(frame: f)
        let rows = withUnsafePointer(to: frame.pointee.data) { data in
            data.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: Int(AV_NUM_DATA_POINTERS)) { src in
                withUnsafePointer(to: frame.pointee.linesize) { lines in
                    lines.withMemoryRebound(to: Int32.self, capacity: Int(AV_NUM_DATA_POINTERS)) { stride in
                        sws_scale(context, src, stride, 0, f.height, &dstData, &dstStride)
                    }
                }
            }
        }
        if rows != Int32(outputHeight) {
            throw MediaError.scalerFailed(path: path, reason: "swscale wrote \(rows) of \(outputHeight) rows")
        }
    }

    private func configure(width: Int32, height: Int32, format: Int32, path: String) throws {
        sws_freeContext(context)
        context = nil
        guard width > 0, height > 0, format >= 0, let ctx = sws_alloc_context() else {
            throw MediaError.scalerFailed(path: path, reason: "invalid input \(width)×\(height) format \(format)")
        }
        let raw = UnsafeMutableRawPointer(ctx)
        av_opt_set_int(raw, "srcw", Int64(width), 0)
        av_opt_set_int(raw, "srch", Int64(height), 0)
        av_opt_set_int(raw, "src_format", Int64(format), 0)
        av_opt_set_int(raw, "dstw", Int64(outputWidth), 0)
        av_opt_set_int(raw, "dsth", Int64(outputHeight), 0)
        av_opt_set_int(raw, "dst_format", Int64(outputFormat.rawValue), 0)
        av_opt_set_int(raw, "sws_flags", Int64(flags), 0)
        if sws_init_context(ctx, nil, nil) < 0 {
            sws_freeContext(ctx)
            throw MediaError.scalerFailed(path: path, reason: "swscale refused \(width)×\(height) pixel format \(format)")
        }
        context = ctx
        configuredFor = (width, height, format)
    }

    /// As the scale filter does per frame: YUV→RGB matrix from the frame's colour space
    /// (unknown → BT.601) and its range when the frame states one.
    private func applyColorDetails(frame: AVFrame) {
        var invTable: UnsafeMutablePointer<Int32>?
        var table: UnsafeMutablePointer<Int32>?
        var srcRange: Int32 = 0, dstRange: Int32 = 0
        var brightness: Int32 = 0, contrast: Int32 = 0, saturation: Int32 = 0
        guard sws_getColorspaceDetails(context, &invTable, &srcRange, &table, &dstRange,
                                       &brightness, &contrast, &saturation) >= 0 else { return }
        var space = Int32(frame.colorspace.rawValue)
        if space < 1 || space > 10 || space == 8 { space = Int32(AVCOL_SPC_BT470BG.rawValue) }
        let coefficients = sws_getCoefficients(space)
        if frame.color_range != AVCOL_RANGE_UNSPECIFIED {
            srcRange = frame.color_range == AVCOL_RANGE_JPEG ? 1 : 0
        }
        sws_setColorspaceDetails(context, coefficients, srcRange, coefficients, dstRange,
                                 brightness, contrast, saturation)
    }
}
