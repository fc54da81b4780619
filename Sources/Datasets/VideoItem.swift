import Foundation

/// One labelled video of a dataset.
public struct VideoItem: Sendable, Equatable {
    /// The video id (Animal Kingdom: the 8-letter clip id; generic: the path or id from labels.csv).
    public var id: String
    /// The video file.
    public var video: URL
    /// The label ids, ascending, each once.
    public var labels: [Int]
    /// The split the video belongs to.
    public var split: Split
    /// The number of frame rows the per-frame annotation has for this video, when it has any.
    public var annotatedFrames: Int?
    /// The folder of pre-extracted JPEG frames the item is decoded from instead of `video`, when it is.
    public var imageFolder: URL?

    /// Creates an item; `labels` are sorted and de-duplicated.
    public init(id: String, video: URL, labels: [Int], split: Split, annotatedFrames: Int? = nil, imageFolder: URL? = nil) {
        self.id = id
        self.video = video
        self.labels = labels.sortedUnique
        self.split = split
        self.annotatedFrames = annotatedFrames
        self.imageFolder = imageFolder
    }
}
