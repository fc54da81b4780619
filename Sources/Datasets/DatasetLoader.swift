import Foundation

/// Finds a dataset's layout under a folder and loads its items.
public enum DatasetLoader {
    /// Loads the dataset at `root`.
    ///
    /// Layouts: Animal Kingdom (and the repositories built on it) when the root has `annotation/`,
    /// `dataset/annotations/` or AR metadata (see `AnimalKingdomLayout`); generic when `<root>/labels.csv`
    /// exists. A folder that is neither but holds `action_recognition/` that is one (the release's
    /// `Animal_Kingdom/` folder) is used through it, and `notes` says so.
    ///
    /// A bad row or item — wrong field count, non-integer or unknown label id, a video id twice (in one
    /// split or in two), two video files for one id, missing media, an empty id — throws its
    /// `DatasetProblem` (the first, by file and line) unless `options.continueOnError` is set, in which
    /// case the item is skipped and the problem kept in `VideoDataset.problems`. A folder with no
    /// annotations in a known format throws `DatasetError.noAnnotations`, which lists what it found.
    public static func load(root: URL, split: SplitSelection, options: DatasetOptions) throws -> VideoDataset {
        let (folder, note) = resolve(root)
        var dataset: VideoDataset
        if AnimalKingdomLayout.recognises(folder) {
            dataset = try AnimalKingdomLayout(root: folder, selection: split, options: options).load()
        } else if DatasetFolder.isFile(folder.appendingPathComponent(GenericDataset.labelsFile)) {
            dataset = try GenericLayout(root: folder, selection: split, options: options).load()
        } else {
            throw DatasetError.noAnnotations(root: root.path, expected: [
                "annotation/ (Animal Kingdom: annotation/train.csv and val.csv, or AR_metadata.xlsx / .csv, with dataset/video/<id>.mp4)",
                "dataset/annotations/ (ViMoCLIP: train_multi.txt, val_multi.txt, with dataset/videos/)",
                "labels.csv (generic: columns video,labels)",
            ], found: topLevel(root))
        }
        if let note { dataset.notes.insert(note, at: 0) }
        return dataset
    }

    /// Loads the dataset at `root` (see `load(root:split:options:)`); `requireVideos: false` accepts
    /// items whose video is absent (labels and splits only).
    public static func load(root: URL, split: SplitSelection, continueOnError: Bool = false,
                            requireVideos: Bool = true) throws -> VideoDataset {
        try load(root: root, split: split, options: DatasetOptions(continueOnError: continueOnError, requireMedia: requireVideos))
    }

    /// The classes of the dataset at `root`, read without listing its media: what a cache folder's
    /// identity rests on (a copy of the dataset elsewhere has the same). For a generic dataset without a
    /// class list the classes are its label ids, so labels.csv is read.
    public static func labelSpace(root: URL) throws -> ClassList {
        let (folder, _) = resolve(root)
        if AnimalKingdomLayout.recognises(folder) {
            var notes: [String] = []
            return try AnimalKingdomLayout(root: folder, selection: .all, options: DatasetOptions()).loadClasses(notes: &notes)
        }
        return try load(root: root, split: .all, options: DatasetOptions(continueOnError: true, requireMedia: false)).classes
    }

    /// Folders (relative to a dataset root) that hold per-item frame folders: millions of files that
    /// listings of a dataset skip.
    public static let frameFolders: Set<String> = Set(AnimalKingdomLayout.imageFolders)
    /// Folders (relative to a dataset root) that hold media: videos or frames.
    public static let mediaFolders: Set<String> = Set(AnimalKingdomLayout.imageFolders + AnimalKingdomLayout.videoFolders)
    /// Extensions (lower case) of media files: videos and frames.
    public static let mediaExtensions: Set<String> = Set(GenericDataset.videoExtensions + ["jpg", "jpeg", "png"])

    /// The folder to read: `root`, or `root/action_recognition` when only that one is a dataset.
    static func resolve(_ root: URL) -> (URL, String?) {
        if AnimalKingdomLayout.recognises(root) || DatasetFolder.isFile(root.appendingPathComponent(GenericDataset.labelsFile)) {
            return (root, nil)
        }
        let inner = root.appendingPathComponent("action_recognition")
        if AnimalKingdomLayout.recognises(inner) {
            return (inner, "using \(inner.path) (the action_recognition folder of \(root.lastPathComponent)/)")
        }
        return (root, nil)
    }

    private static func topLevel(_ root: URL) -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).sorted()
        let shown = names.prefix(10).map { DatasetFolder.isFolder(root.appendingPathComponent($0)) ? $0 + "/" : $0 }
        return shown + (names.count > 10 ? ["\(names.count - 10) more"] : [])
    }
}
