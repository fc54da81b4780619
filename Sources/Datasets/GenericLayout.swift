import Foundation

/// Loads a generic dataset: `<root>/labels.csv` plus video files, with an optional class list
/// `<root>/classes.txt` or `<root>/classes.csv`.
///
/// A row's `video` is found as `<root>/<video>` (a relative path; the id is the path without its
/// extension), else `<root>/video/<video>.mp4`, else `<root>/<video>.<ext>` for the extensions in
/// `GenericDataset.videoExtensions`. Labels are class names (exact, then ignoring case) or integer ids when
/// a class list exists, integer ids otherwise; without a class list K is the largest id + 1 and the classes
/// are named by their ids. Rows without a `split` column, or with it empty, are training videos.
/// With `options.videos` the videos are looked for in that folder instead of the root. Two files for
/// one id (`a.mkv` and `a.webm`) are a problem naming both, never a silent choice; so is a label id
/// outside the class list.
struct GenericLayout {
    let root: URL
    let selection: SplitSelection
    let options: DatasetOptions
    private var videoRoot: URL { options.videos ?? root }

    func load() throws -> VideoDataset {
        let labelsURL = root.appendingPathComponent(GenericDataset.labelsFile)
        let file = GenericDataset.labelsFile
        let parsed = try rethrowingInFile(file) { try GenericDataset.readLabelsCSV(labelsURL) }
        let named = try loadClasses()

        var problems: [DatasetProblem] = []
        var resolved: [(row: GenericLabelRow, split: Split, labels: [Int])] = []
        for row in parsed.rows {
            let split: Split
            if let text = row.split, !text.isEmpty {
                guard let value = Split(annotation: text) else {
                    problems.append(DatasetProblem(file: file, line: row.line, item: row.video,
                                                   reason: "split '\(text)' is not train, val or test"))
                    continue
                }
                split = value
            } else {
                split = .train
            }
            var labels: [Int] = []
            var failure: String?
            for token in row.labels {
                if let named, let id = named.id(named: token) {
                    labels.append(id)
                } else if let id = Int(token) {
                    labels.append(id)
                } else {
                    failure = named == nil
                        ? "label '\(token)' is not an integer id (add classes.txt to use class names)"
                        : "label '\(token)' is not a class name or id"
                    break
                }
            }
            if let failure {
                problems.append(DatasetProblem(file: file, line: row.line, item: row.video, reason: failure))
                continue
            }
            resolved.append((row, split, labels))
        }

        let classes = named ?? ClassList.named(
            (0..<((resolved.flatMap(\.labels).max() ?? -1) + 1)).map(String.init))
        var collector = ItemCollector(classCount: classes.count, selection: selection)
        collector.addReaderProblems(parsed.problems + problems, file: file)
        for entry in resolved {
            let (id, candidates) = locate(entry.row.video)
            if candidates.count > 1, selection.contains(entry.split) {
                let names = candidates.map { relativePath(of: $0, under: root) }.joined(separator: " and ")
                collector.addProblem(DatasetProblem(file: file, line: entry.row.line, item: id, reason:
                    "two video files for one id: \(names); name the one to use in labels.csv (e.g. \(relativePath(of: candidates[0], under: videoRoot)))"))
                continue
            }
            let fallback = options.requireMedia ? nil : LocatedMedia(video: videoRoot.appendingPathComponent(entry.row.video))
            collector.add(id: id, split: entry.split, labels: entry.labels,
                          media: candidates.first.map { LocatedMedia(video: $0) } ?? fallback,
                          expectedMedia: "video \(entry.row.video) not found (tried it as a path, video/\(entry.row.video).mp4 and \(entry.row.video).<video extension>)",
                          file: file, line: entry.row.line)
        }
        var dataset = VideoDataset(root: root, kind: .generic, format: .labelsCSV, classes: classes, items: [], problems: [])
        dataset.videoFolder = videoRoot
        return try collector.finish(dataset, continueOnError: options.continueOnError)
    }

    /// The item id and the video files a `video` value may mean: itself as a path, else
    /// `video/<video>.mp4`, else `<video>.<ext>` for every known extension that exists (more than one
    /// is ambiguous).
    private func locate(_ video: String) -> (String, [URL]) {
        let asPath = videoRoot.appendingPathComponent(video)
        if DatasetFolder.isFile(asPath) {
            let id = asPath.pathExtension.isEmpty ? video : String(video.dropLast(asPath.pathExtension.count + 1))
            return (id, [asPath])
        }
        let inVideoFolder = videoRoot.appendingPathComponent("video").appendingPathComponent(video + ".mp4")
        if DatasetFolder.isFile(inVideoFolder) { return (video, [inVideoFolder]) }
        let candidates = GenericDataset.videoExtensions.map { videoRoot.appendingPathComponent(video + "." + $0) }
            .filter(DatasetFolder.isFile)
        return (video, candidates)
    }

    private func loadClasses() throws -> ClassList? {
        let txt = root.appendingPathComponent("classes.txt")
        if FileManager.default.fileExists(atPath: txt.path) {
            return try rethrowingInFile("classes.txt") { try ClassList.read(classesTxt: txt) }
        }
        let csv = root.appendingPathComponent("classes.csv")
        if FileManager.default.fileExists(atPath: csv.path) {
            return try rethrowingInFile("classes.csv") { try ClassList.read(classesCSV: csv) }
        }
        return nil
    }
}
