import Foundation

/// Which media an item is decoded from.
public enum MediaSource: String, Sendable, CaseIterable {
    /// The item's video file.
    case videos
    /// The item's folder of pre-extracted JPEG frames (Animal Kingdom's `dataset/image/<id>/`).
    case images
    /// The video when there is one, else the frame folder.
    case auto
}

/// How a dataset is loaded, beyond its folder and split.
public struct DatasetOptions: Sendable {
    /// Skip bad rows and items (kept in `VideoDataset.problems`) instead of stopping at the first.
    public var continueOnError = false
    /// When false, an item whose media is absent still loads (labels and splits only, or a stage that
    /// reports missing media item by item); its `video` then points where the file was expected.
    public var requireMedia = true
    /// A folder that holds the videos instead of the dataset's own (`--videos DIR`).
    public var videos: URL?
    /// Which media each item must have.
    public var media: MediaSource = .videos

    /// Options with the defaults: stop at the first problem, videos required, the dataset's own video folder.
    public init(continueOnError: Bool = false, requireMedia: Bool = true, videos: URL? = nil, media: MediaSource = .videos) {
        self.continueOnError = continueOnError
        self.requireMedia = requireMedia
        self.videos = videos
        self.media = media
    }
}
