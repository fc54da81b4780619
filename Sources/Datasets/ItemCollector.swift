import Foundation

/// Turns annotation rows into `VideoItem`s, checking what every layout shares: one row per video id
/// across all splits, label ids inside 0..<K, and media that exists.
///
/// Layouts add the rows of every split (so a clip in both train and val is caught even when only
/// one split is loaded); only the selected splits become items.
struct ItemCollector {
    let classCount: Int
    let selection: SplitSelection
    private(set) var items: [VideoItem] = []
    private(set) var problems: [DatasetProblem] = []
    private var firstPlaces: [String: (split: Split, file: String, line: Int)] = [:]

    init(classCount: Int, selection: SplitSelection = .all) {
        self.classCount = classCount
        self.selection = selection
    }

    /// Adds the video, or records why it cannot be added. `labelLine` gives the line that names a label.
    /// `media` is the located video (or frame folder; where it is expected when media are optional), nil
    /// when none was found; `expectedMedia` says where it was looked for.
    mutating func add(id: String, split: Split, labels: [Int], media: LocatedMedia?, expectedMedia: String,
                      file: String, line: Int, labelLine: (Int) -> Int = { _ in 0 }, annotatedFrames: Int? = nil) {
        if let first = firstPlaces[id] {
            let place = first.file == file ? "line \(first.line)" : "\(first.file):\(first.line)"
            let reason = first.split == split
                ? "duplicate video id in the \(split.rawValue) split (first at \(place))"
                : "video id is in both \(first.split.rawValue) (\(place)) and \(split.rawValue): a clip in both splits would leak training data into evaluation"
            problems.append(DatasetProblem(file: file, line: line, item: id, reason: reason))
            return
        }
        firstPlaces[id] = (split, file, line)
        guard selection.contains(split) else { return }
        if let bad = labels.first(where: { $0 < 0 || $0 >= classCount }) {
            let where_ = labelLine(bad)
            problems.append(DatasetProblem(file: file, line: where_ > 0 ? where_ : line, item: id,
                                           reason: "unknown label id \(bad) (classes are 0..<\(classCount))"))
            return
        }
        guard let found = media else {
            problems.append(DatasetProblem(file: file, line: line, item: id, reason: expectedMedia))
            return
        }
        items.append(VideoItem(id: id, video: found.video, labels: labels, split: split,
                               annotatedFrames: annotatedFrames, imageFolder: found.imageFolder))
    }

    /// Adds a problem found outside the rows (two files for one id, say).
    mutating func addProblem(_ problem: DatasetProblem) { problems.append(problem) }

    /// Adds a reader's problems, shown as coming from `file` (and its worksheet `sheet`).
    mutating func addReaderProblems(_ readerProblems: [DatasetProblem], file: String, sheet: String? = nil) {
        problems += readerProblems.map {
            var shown = $0.inFile(file)
            shown.sheet = sheet
            return shown
        }
    }

    /// The dataset, or the first problem (by file order, then line) when errors are not tolerated.
    func finish(_ dataset: VideoDataset, continueOnError: Bool) throws -> VideoDataset {
        var order: [String: Int] = [:]
        for problem in problems where order[problem.file] == nil { order[problem.file] = order.count }
        let sorted = problems.enumerated().sorted {
            let a = (order[$0.element.file] ?? 0, $0.element.line ?? 0, $0.offset)
            let b = (order[$1.element.file] ?? 0, $1.element.line ?? 0, $1.offset)
            return a < b
        }.map(\.element)
        if !continueOnError, let first = sorted.first { throw first }
        var result = dataset
        result.items = items
        result.problems = sorted
        return result
    }
}

/// Where an item's pixels come from: its video file, or a folder of frames.
struct LocatedMedia {
    /// The video file (where it is expected when the item is decoded from frames).
    var video: URL
    /// The folder of JPEG frames, when the item is decoded from them.
    var imageFolder: URL?
}

/// Finds each item's media in a layout's video and frame folders, listed once.
struct MediaLocator {
    let root: URL
    let videos: FolderListing?
    let images: FolderListing?
    let source: MediaSource

    /// The item's media, or nil; `expected` is the reason to give when it is nil (paths relative to the root);
    /// `fallback` is where the video would be (for loads that do not require media).
    func locate(id: String, videoName: String) -> (media: LocatedMedia?, expected: String, fallback: LocatedMedia) {
        let videoURL = (videos?.folder ?? root.appendingPathComponent(AnimalKingdomLayout.videoFolders[0])).appendingPathComponent(videoName)
        let videoText = videos == nil
            ? "video file \(videoName) not found: the dataset has no video folder (looked for \(AnimalKingdomLayout.videoFolders.map { $0 + "/" }.joined(separator: ", ")); --videos DIR names one)"
            : "video file \(relativePath(of: videoURL, under: root)) not found"
        let fallback = LocatedMedia(video: videoURL)
        let imageURL = images.map { $0.folder.appendingPathComponent(id) }
        let imageText = imageURL.map { "frame folder \(relativePath(of: $0, under: root))/ not found" } ?? "no frame folder (the dataset has no dataset/image/ or image/ folder)"
        let video = videos?.file(videoName)
        let frames = images?.file(id)
        switch source {
        case .videos:
            return (video.map { LocatedMedia(video: $0) }, videoText, fallback)
        case .images:
            return (frames.map { LocatedMedia(video: videoURL, imageFolder: $0) }, imageText, fallback)
        case .auto:
            if let video { return (LocatedMedia(video: video), videoText, fallback) }
            return (frames.map { LocatedMedia(video: videoURL, imageFolder: $0) }, "\(videoText); \(imageText)", fallback)
        }
    }
}
