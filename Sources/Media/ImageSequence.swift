import Foundation

/// A folder of numbered frame images, such as Animal Kingdom's
/// `dataset/image/<id>/<id>_000000.jpg`, `<id>_000001.jpg`, …, read as one video
/// through FFmpeg's image2 demuxer (`VideoDecoder(imageSequence:)`).
///
/// The frame files are found from the folder listing: one numbering pattern, its
/// first number and the frame count. The numbers must run without gaps, because
/// image2 stops silently at the first missing file; a gap is a `MediaError` instead.
/// A decoded frame's `index` is its file number, and frames are `1 / frameRate`
/// seconds apart (image2's default rate is 25 frames per second).
public struct ImageSequence: Sendable, Equatable {
    /// One frame image of a sequence.
    public struct FrameFile: Sendable, Equatable {
        /// The number in its name, which is the decoded frame's `index`.
        public let number: Int
        /// The file name (no folder).
        public let name: String
        /// The file.
        public let url: URL
    }

    /// The folder holding the frame files.
    public let folder: URL
    /// The file name pattern in FFmpeg's printf form, e.g. `abc_%06d.jpg` (a `%` of the name doubled).
    public let pattern: String
    /// The number of the first frame file (image2's `start_number`).
    public let startNumber: Int
    /// Every frame file in frame order, one for each number from `startNumber` on.
    public let frames: [FrameFile]
    /// Frames per second given to the sequence (image2's `framerate`).
    public let frameRate: Double

    /// The frame files' URLs, in frame order.
    public var files: [URL] { frames.map(\.url) }
    /// How many frames the sequence has.
    public var frameCount: Int { frames.count }

    /// File name extensions (compared without case) that count as frame images.
    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "bmp", "tif", "tiff", "webp"]

    /// Finds the one numbered-image pattern in `folder` (`<prefix><number>.<image extension>`,
    /// the number zero-padded to a fixed width or not padded at all), its first number and
    /// its frames. Files of other kinds, hidden files and folders are ignored.
    public init(folder: URL, frameRate: Double = 25) throws {
        try self.init(folder: folder, prefix: nil, frameRate: frameRate)
    }

    /// The frames of item `id` in `folder`: the files named `<id>_<number>.<image extension>`
    /// (Animal Kingdom's layout), found as `init(folder:)` finds them among those files only.
    public init(folder: URL, id: String, frameRate: Double = 25) throws {
        try self.init(folder: folder, prefix: id + "_", frameRate: frameRate)
    }

    private init(folder: URL, prefix wanted: String?, frameRate: Double) throws {
        let names = try Self.listing(folder)
        var groups: [String: NumberedNames] = [:]
        for name in names {
            guard let parsed = NumberedName(parsing: name), wanted == nil || parsed.prefix == wanted else { continue }
            groups[parsed.prefix + "\u{0}" + parsed.suffix, default: NumberedNames(prefix: parsed.prefix, suffix: parsed.suffix)]
                .digits.append(parsed.digits)
        }
        guard !names.isEmpty else {
            throw MediaError.invalidImageSequence(folder: folder.path, reason: "the folder is empty")
        }
        guard let only = groups.values.first else {
            let like = wanted.map { "\($0)<number>.jpg" } ?? "name_000000.jpg"
            throw MediaError.invalidImageSequence(
                folder: folder.path, reason: "no numbered image files (like \(like)) among its \(names.count) entries")
        }
        guard groups.count == 1 else {
            let patterns = groups.values.map { $0.pattern()?.text ?? "\($0.prefix)<number>\($0.suffix)" }.sorted()
            throw MediaError.invalidImageSequence(
                folder: folder.path, reason: "several numbered patterns (\(patterns.joined(separator: ", "))); name the one to read")
        }
        guard let pattern = only.pattern() else {
            throw MediaError.invalidImageSequence(
                folder: folder.path, reason: "the numbers of \(only.prefix)<number>\(only.suffix) mix zero-padded and unpadded widths")
        }
        try self.init(folder: folder, pattern: pattern, names: names, frameRate: frameRate)
    }

    /// The frames of `folder` named by `pattern`, FFmpeg's printf form such as
    /// `"<id>_%06d.jpg"` (one `%d` or `%0Nd`; `%%` for a literal `%`).
    public init(folder: URL, pattern: String, frameRate: Double = 25) throws {
        guard let parsed = FramePattern(parsing: pattern) else {
            throw MediaError.invalidImageSequence(
                folder: folder.path, reason: "'\(pattern)' is not a frame pattern: it needs exactly one %d or %0Nd")
        }
        try self.init(folder: folder, pattern: parsed, names: try Self.listing(folder), frameRate: frameRate)
    }

    /// The frame files of `folder` in frame order, as `ImageSequence(folder:)` finds them
    /// (for digests over a folder's content). Throws the same errors.
    public static func frameFiles(in folder: URL) throws -> [FrameFile] {
        try ImageSequence(folder: folder).frames
    }

    /// The frame files of item `id` in `folder`, in frame order, as `ImageSequence(folder:id:)` finds them.
    public static func frameFiles(in folder: URL, id: String) throws -> [FrameFile] {
        try ImageSequence(folder: folder, id: id).frames
    }

    private init(folder: URL, pattern: FramePattern, names: [String], frameRate: Double) throws {
        guard frameRate > 0, frameRate.isFinite else {
            throw MediaError.invalidImageSequence(folder: folder.path, reason: "frame rate \(frameRate) is not a positive number")
        }
        let numbers = names.compactMap(pattern.number(of:)).sorted()
        guard let first = numbers.first, let last = numbers.last else {
            throw MediaError.invalidImageSequence(
                folder: folder.path, reason: "no file matches the pattern \(pattern.text) among its \(names.count) entries")
        }
        if numbers.count != last - first + 1 {
            let present = Set(numbers)
            let missing = (first...last).first { !present.contains($0) } ?? last
            throw MediaError.missingFrameFile(folder: folder.path, file: pattern.name(for: missing))
        }
        self.folder = folder
        self.pattern = pattern.text
        self.startNumber = first
        self.frames = numbers.map { number in
            let name = pattern.name(for: number)
            return FrameFile(number: number, name: name, url: folder.appendingPathComponent(name))
        }
        self.frameRate = frameRate
    }

    /// The names of the non-hidden entries of `folder` that are not folders themselves.
    private static func listing(_ folder: URL) throws -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder) else {
            throw MediaError.invalidImageSequence(folder: folder.path, reason: "no such folder")
        }
        guard isFolder.boolValue else {
            throw MediaError.invalidImageSequence(folder: folder.path, reason: "a file, not a folder")
        }
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw MediaError.invalidImageSequence(folder: folder.path, reason: "cannot list it: \(error.localizedDescription)")
        }
        return entries.filter { name in
            var entryIsFolder: ObjCBool = false
            let path = folder.appendingPathComponent(name).path
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: path, isDirectory: &entryIsFolder)
                && !entryIsFolder.boolValue
        }
    }

    /// What image2 is told: the folder and pattern as one printf path, the first number,
    /// plain numbered sequence (no globbing) and the frame rate.
    var mediaInput: MediaInput {
        let rate = frameRate == frameRate.rounded() && frameRate < 1e9 ? String(Int(frameRate)) : String(frameRate)
        return MediaInput(
            location: FramePattern.escaped(folder.path) + "/" + pattern, displayPath: folder.path, formatName: "image2",
            formatOptions: ["start_number": String(startNumber), "pattern_type": "sequence", "framerate": rate])
    }
}

extension VideoDecoder {
    /// Opens a numbered image sequence; frame indices are file numbers.
    public convenience init(imageSequence sequence: ImageSequence, options: DecodeOptions = DecodeOptions()) throws {
        try self.init(input: sequence.mediaInput, indexOffset: sequence.startNumber,
                      knownFrameCount: sequence.frameCount, options: options)
    }

    /// Opens the numbered image sequence found in `folder` (see `ImageSequence(folder:)`).
    public convenience init(imageFolder folder: URL, options: DecodeOptions = DecodeOptions()) throws {
        try self.init(imageSequence: ImageSequence(folder: folder), options: options)
    }

    /// Opens item `id`'s frames `<id>_<number>.jpg` in `folder` (see `ImageSequence(folder:id:)`).
    public convenience init(imageSequence folder: URL, id: String, options: DecodeOptions = DecodeOptions()) throws {
        try self.init(imageSequence: ImageSequence(folder: folder, id: id), options: options)
    }
}

/// A file name split around its number: `abc_000017.jpg` → "abc_", "000017", ".jpg".
private struct NumberedName {
    var prefix: String
    var digits: String
    var suffix: String

    /// Nil unless the name is `<prefix><digits>.<image extension>`.
    init?(parsing name: String) {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        let stem = name[..<dot]
        guard ImageSequence.imageExtensions.contains(name[name.index(after: dot)...].lowercased()) else { return nil }
        let digits = stem.reversed().prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty else { return nil }
        prefix = String(stem.dropLast(digits.count))
        self.digits = String(digits.reversed())
        suffix = String(name[dot...])
    }
}

/// The numbers found for one prefix and suffix.
private struct NumberedNames {
    var prefix: String
    var suffix: String
    var digits: [String] = []

    /// `%0Nd` when every number has the same width, `%d` when none is zero-padded; nil for a mix.
    func pattern() -> FramePattern? {
        let widths = Set(digits.map(\.count))
        if widths.count == 1, let width = widths.first, width > 1 {
            return FramePattern(prefix: prefix, width: width, suffix: suffix)
        }
        let unpadded = digits.allSatisfy { $0 == "0" || !$0.hasPrefix("0") }
        return unpadded ? FramePattern(prefix: prefix, width: 0, suffix: suffix) : nil
    }
}

/// A printf-style frame pattern with one number: prefix, zero-padded width (0 = none), suffix.
struct FramePattern: Sendable, Equatable {
    var prefix: String
    var width: Int
    var suffix: String

    init(prefix: String, width: Int, suffix: String) {
        self.prefix = prefix
        self.width = width
        self.suffix = suffix
    }

    /// Parses FFmpeg's form: literal text, `%%` for `%`, and exactly one `%d` / `%Nd` / `%0Nd`
    /// (FFmpeg pads with zeros either way).
    init?(parsing text: String) {
        var prefix = "", suffix = "", width: Int?
        var characters = Substring(text)
        while let c = characters.popFirst() {
            guard c == "%" else {
                if width == nil { prefix.append(c) } else { suffix.append(c) }
                continue
            }
            if characters.first == "%" {
                characters.removeFirst()
                if width == nil { prefix.append("%") } else { suffix.append("%") }
                continue
            }
            guard width == nil else { return nil }
            let digits = characters.prefix { $0.isASCII && $0.isNumber }
            characters.removeFirst(digits.count)
            guard characters.popFirst() == "d", let parsed = digits.isEmpty ? 0 : Int(digits) else { return nil }
            width = parsed
        }
        guard let width else { return nil }
        self.init(prefix: prefix, width: width, suffix: suffix)
    }

    /// The pattern as image2 reads it.
    var text: String { Self.escaped(prefix) + (width > 0 ? "%0\(width)d" : "%d") + Self.escaped(suffix) }

    /// The file name of frame `number`.
    func name(for number: Int) -> String {
        let digits = String(number)
        return prefix + String(repeating: "0", count: max(0, width - digits.count)) + digits + suffix
    }

    /// The number in `name`, when `name` is exactly what this pattern makes for it.
    func number(of name: String) -> Int? {
        guard name.count > prefix.count + suffix.count, name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        let middle = name.dropFirst(prefix.count).dropLast(suffix.count)
        guard middle.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(middle),
              self.name(for: number) == name else { return nil }
        return number
    }

    /// `text` with every `%` doubled, so image2 reads it literally.
    static func escaped(_ text: String) -> String { text.replacingOccurrences(of: "%", with: "%%") }
}
