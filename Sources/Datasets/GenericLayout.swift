import Foundation

/// Loads a generic dataset: `<root>/labels.csv` plus video files, with an optional class list
/// `<root>/classes.txt` or `<root>/classes.csv`.
///
/// A row's `video` is found as `<root>/<video>` (a relative path; the id is the path without its
/// extension), else `<root>/video/<video>.mp4`, else `<root>/<video>.<ext>` for the extensions in
/// `GenericDataset.videoExtensions`. Labels are class names (exact, then ignoring case) or integer ids when
/// a class list exists, integer ids otherwise; without a class list K is the largest id + 1 and the classes
/// are named by their ids. Rows without a `split` column, or with it empty, are training videos.
struct GenericLayout {
    let root: URL
    let selection: SplitSelection
    let continueOnError: Bool
    var requireVideos = true

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
            guard selection.contains(split) else { continue }
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
        var collector = ItemCollector(classCount: classes.count, videosOptional: requireVideos ? nil : root)
        collector.addReaderProblems(parsed.problems + problems, file: file)
        for entry in resolved {
            let (id, video) = locate(entry.row.video)
            collector.add(id: id, split: entry.split, labels: entry.labels, video: video,
                          expectedVideo: "\(entry.row.video) (tried it as a path, video/\(entry.row.video).mp4 and \(entry.row.video).<video extension>)",
                          file: file, line: entry.row.line)
        }
        return try collector.finish(root: root, kind: .generic, format: .labelsCSV, classes: classes,
                                    continueOnError: continueOnError)
    }

    /// The item id and video file for a `video` value; the file is nil when none of the candidates exists.
    private func locate(_ video: String) -> (String, URL?) {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        let asPath = root.appendingPathComponent(video)
        if manager.fileExists(atPath: asPath.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            let id = asPath.pathExtension.isEmpty ? video : String(video.dropLast(asPath.pathExtension.count + 1))
            return (id, asPath)
        }
        let inVideoFolder = root.appendingPathComponent("video").appendingPathComponent(video + ".mp4")
        if manager.fileExists(atPath: inVideoFolder.path) { return (video, inVideoFolder) }
        for ext in GenericDataset.videoExtensions {
            let candidate = root.appendingPathComponent(video + "." + ext)
            if manager.fileExists(atPath: candidate.path) { return (video, candidate) }
        }
        return (video, nil)
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
