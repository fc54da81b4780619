/// Facts about a video's main stream, known before decoding.
public struct VideoInfo: Sendable, Equatable {
    /// Width in pixels of the picture as decoded frames show it: the displayed
    /// (rotated) size when autorotation turns it, the coded size otherwise.
    public var width: Int
    /// Height in pixels, like `width`.
    public var height: Int
    /// FFmpeg's short codec name ("h264", "mpeg4", …).
    public var codec: String
    /// Frames in the stream (packets counted by a demux pass).
    public var frameCount: Int
    /// Average frame rate, when the container states one.
    public var averageFrameRate: Double?
    /// Stream time base in seconds per tick.
    public var timeBase: Double
    /// True when every frame carries a distinct presentation timestamp (seeking is then exact).
    public var hasTimestamps: Bool
    /// Clockwise degrees in [0, 360) that the stream's display matrix turns the coded picture
    /// for display (0 without one), whether or not the decoder applies it. ffprobe prints the
    /// counter-clockwise angle, so a stream it shows as "rotation of -90" reads 90 here.
    public var rotation: Int

    /// Stream facts with the given values.
    public init(width: Int, height: Int, codec: String, frameCount: Int, averageFrameRate: Double?,
                timeBase: Double, hasTimestamps: Bool, rotation: Int = 0) {
        self.width = width
        self.height = height
        self.codec = codec
        self.frameCount = frameCount
        self.averageFrameRate = averageFrameRate
        self.timeBase = timeBase
        self.hasTimestamps = hasTimestamps
        self.rotation = rotation
    }
}

/// One decoded, resized frame.
public struct DecodedFrame: Sendable {
    /// 0-based index in presentation order: the same whichever selection produced it.
    /// For an image sequence, the frame's file number.
    public var index: Int
    /// Presentation time in seconds; estimated from the frame rate when the stream has no timestamps.
    public var time: Double
    /// Raw presentation timestamp in the stream's time base, when the stream has one.
    public var pts: Int64?
    /// Packed RGB24 pixels, row-major, width × height × 3 bytes.
    public var pixels: [UInt8]
    /// Output width in pixels.
    public var width: Int
    /// Output height in pixels.
    public var height: Int
}

/// What one decode call did, for reports and for checking that sparse selection
/// did not decode more than it needed.
public struct DecodeReport: Sendable, Equatable {
    /// Frames the codec produced (kept or not).
    public var framesDecoded = 0
    /// Frames handed to the caller.
    public var framesReturned = 0
    /// Seeks performed.
    public var seeks = 0
    /// Packets the codec rejected as corrupt (decoding carries on after them).
    public var corruptPackets = 0
    /// Requested frame indices that never came out of the decoder (damaged or missing frames).
    public var missingIndices: [Int] = []
    /// True when the demuxer stopped on an error rather than at the normal end of file.
    public var truncated = false
}
