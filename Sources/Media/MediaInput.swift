import CFFmpeg

/// What `avformat_open_input` is given for one source: a file, or a numbered image
/// sequence read through the image2 demuxer. The decoder and its packet scan open
/// the same input the same way, so they agree on every packet.
struct MediaInput: Sendable, Equatable {
    /// The URL or pattern handed to the demuxer.
    var location: String
    /// The path errors name (the file, or the image folder).
    var displayPath: String
    /// A demuxer to force ("image2"); nil lets FFmpeg probe.
    var formatName: String?
    /// Demuxer options, as `-option value` before `-i` on the command line.
    var formatOptions: [String: String] = [:]

    /// A plain media file.
    static func file(_ path: String) -> MediaInput {
        MediaInput(location: path, displayPath: path, formatName: nil)
    }

    /// Opens the input; the caller owns the context and closes it with `avformat_close_input`.
    func open() throws -> UnsafeMutablePointer<AVFormatContext> {
        _ = silenceFFmpegLog
        var inputFormat: UnsafePointer<AVInputFormat>?
        if let formatName {
            guard let found = av_find_input_format(formatName) else {
                throw MediaError.unreadable(path: displayPath, reason: "this FFmpeg has no '\(formatName)' demuxer")
            }
            inputFormat = found
        }
        var dictionary: OpaquePointer?
        defer { av_dict_free(&dictionary) }
        for (key, value) in formatOptions { av_dict_set(&dictionary, key, value, 0) }
        var context: UnsafeMutablePointer<AVFormatContext>?
        let opened = avformat_open_input(&context, location, inputFormat, &dictionary)
        guard opened >= 0, let context else {
            throw MediaError.unreadable(path: displayPath, reason: ffmpegErrorText(opened))
        }
        return context
    }
}
