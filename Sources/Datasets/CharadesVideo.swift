/// One video of a per-frame (Charades-format) annotation file, aggregated over its frame rows.
public struct CharadesVideo: Sendable, Equatable {
    /// The clip id (`original_vido_id`), which names the video file.
    public var id: String
    /// The line of the video's first frame row.
    public var line: Int
    /// The number of frame rows.
    public var frames: Int
    /// The union of the frames' labels, ascending.
    public var labels: [Int]
    /// For each label, the line of the first frame row that has it (to point at a bad label).
    public var labelLines: [Int: Int]
    /// The `type` column (train/test) of the first row, when the file has that column.
    public var type: String?

    /// Creates a video record.
    public init(id: String, line: Int, frames: Int, labels: [Int], labelLines: [Int: Int] = [:], type: String? = nil) {
        self.id = id
        self.line = line
        self.frames = frames
        self.labels = labels
        self.labelLines = labelLines
        self.type = type
    }
}
