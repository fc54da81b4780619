import Foundation

/// Turns annotation rows into `VideoItem`s, checking what every layout shares: one row per video id
/// and split, label ids inside 0..<K, and an existing video file.
struct ItemCollector {
    let classCount: Int
    /// When set, a missing video is no problem: the item points at `<videosOptional>/<expected path>`
    /// (stages that only need labels and splits, such as training on cached embeddings).
    let videosOptional: URL?
    private(set) var items: [VideoItem] = []
    private(set) var problems: [DatasetProblem] = []
    private var firstLines: [Split: [String: (file: String, line: Int)]] = [:]

    init(classCount: Int, videosOptional: URL? = nil) {
        self.classCount = classCount
        self.videosOptional = videosOptional
    }

    /// Adds the video, or records why it cannot be added. `labelLine` gives the line that names a label.
    mutating func add(id: String, split: Split, labels: [Int], video: URL?, expectedVideo: String,
                      file: String, line: Int, labelLine: (Int) -> Int = { _ in 0 }, annotatedFrames: Int? = nil) {
        if let first = firstLines[split, default: [:]][id] {
            let place = first.file == file ? "line \(first.line)" : "\(first.file):\(first.line)"
            problems.append(DatasetProblem(file: file, line: line, item: id,
                                           reason: "duplicate video id in the \(split.rawValue) split (first at \(place))"))
            return
        }
        firstLines[split, default: [:]][id] = (file, line)
        if let bad = labels.first(where: { $0 < 0 || $0 >= classCount }) {
            let where_ = labelLine(bad)
            problems.append(DatasetProblem(file: file, line: where_ > 0 ? where_ : line, item: id,
                                           reason: "unknown label id \(bad) (classes are 0..<\(classCount))"))
            return
        }
        guard let video = video ?? videosOptional?.appendingPathComponent(expectedVideo) else {
            problems.append(DatasetProblem(file: file, line: line, item: id, reason: "video file \(expectedVideo) not found"))
            return
        }
        items.append(VideoItem(id: id, video: video, labels: labels, split: split, annotatedFrames: annotatedFrames))
    }

    /// Adds a reader's problems, shown as coming from `file`.
    mutating func addReaderProblems(_ readerProblems: [DatasetProblem], file: String) {
        problems += readerProblems.map { $0.inFile(file) }
    }

    /// The dataset, or the first problem (by file order, then line) when errors are not tolerated.
    func finish(root: URL, kind: VideoDataset.Kind, format: VideoDataset.Format, classes: ClassList,
                continueOnError: Bool) throws -> VideoDataset {
        var order: [String: Int] = [:]
        for problem in problems where order[problem.file] == nil { order[problem.file] = order.count }
        let sorted = problems.enumerated().sorted {
            let a = (order[$0.element.file]!, $0.element.line ?? 0, $0.offset)
            let b = (order[$1.element.file]!, $1.element.line ?? 0, $1.offset)
            return a < b
        }.map(\.element)
        if !continueOnError, let first = sorted.first { throw first }
        return VideoDataset(root: root, kind: kind, format: format, classes: classes, items: items, problems: sorted)
    }
}
