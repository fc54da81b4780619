import Foundation

/// A dataset as loaded: where it is, its classes, its videos, and the problems skipped on the way.
public struct VideoDataset: Sendable {
    /// The layout a dataset was recognised as.
    public enum Kind: String, Sendable {
        /// `<root>/annotation/` + `<root>/video/<id>.mp4`.
        case animalKingdom
        /// `<root>/labels.csv` + video files in the folder.
        case generic
    }

    /// The annotation format the items were read from.
    public enum Format: String, Sendable {
        /// Per-frame `train.csv` / `val.csv` (Charades format, space-separated).
        case charadesFrames
        /// One row per clip: `AR_metadata.csv`.
        case arMetadata
        /// MSQNet's `train_light.csv` / `val_light.csv` (`video_id;labels`).
        case msqnetList
        /// ViMoCLIP's `train_multi.txt` / `val_multi.txt` (`<video>.mp4 <label> <label>…`).
        case vimoclipList
        /// A generic `labels.csv` (`video,labels`).
        case labelsCSV
    }

    /// The dataset folder.
    public var root: URL
    /// The layout.
    public var kind: Kind
    /// The annotation format the items came from.
    public var format: Format
    /// The classes; label ids index into it.
    public var classes: ClassList
    /// The videos of the selected splits, in annotation order (training first).
    public var items: [VideoItem]
    /// The problems of items that were skipped (empty unless loaded with `continueOnError`).
    public var problems: [DatasetProblem]
    /// What the loader decided and a user should know: which folder was used, where the class list
    /// came from, a class list that disagrees with the built-in one.
    public var notes: [String] = []
    /// The folder the videos were looked for in, when the layout has one.
    public var videoFolder: URL?
    /// The folder of per-item frame folders, when the dataset has one.
    public var imageFolder: URL?

    /// Creates a dataset value.
    public init(root: URL, kind: Kind, format: Format, classes: ClassList, items: [VideoItem], problems: [DatasetProblem]) {
        self.root = root
        self.kind = kind
        self.format = format
        self.classes = classes
        self.items = items
        self.problems = problems
    }

    /// The item's labels as a vector of K bytes, 1 where the class is present.
    public func multiHot(_ item: VideoItem) -> [UInt8] {
        var vector = [UInt8](repeating: 0, count: classes.count)
        for label in item.labels where label >= 0 && label < vector.count { vector[label] = 1 }
        return vector
    }

    /// The items of one split.
    public func items(in split: Split) -> [VideoItem] { items.filter { $0.split == split } }
}
