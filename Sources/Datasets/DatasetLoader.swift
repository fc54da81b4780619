import Foundation

/// Finds a dataset's layout under a folder and loads its items.
public enum DatasetLoader {
    /// Loads the dataset at `root`.
    ///
    /// Layouts: Animal Kingdom when `<root>/annotation/` is a folder (see the per-frame, AR metadata,
    /// MSQNet and ViMoCLIP readers; videos at `<root>/video/<id>.mp4`), generic when `<root>/labels.csv`
    /// exists. A bad row or item — wrong field count, non-integer or unknown label id, a video id twice in
    /// a split, a missing video file, an empty id — throws its `DatasetProblem` (the first, by file and line)
    /// unless `continueOnError` is set, in which case the item is skipped and the problem kept in
    /// `VideoDataset.problems`. A missing annotation or class list file throws `DatasetError.missingAnnotation`.
    /// `requireVideos: false` accepts items whose video is absent (labels and splits only, e.g. training
    /// on cached embeddings on a machine without the videos).
    public static func load(root: URL, split: SplitSelection, continueOnError: Bool = false,
                            requireVideos: Bool = true) throws -> VideoDataset {
        var isDirectory: ObjCBool = false
        let annotation = root.appendingPathComponent("annotation")
        if FileManager.default.fileExists(atPath: annotation.path, isDirectory: &isDirectory), isDirectory.boolValue {
            var layout = AnimalKingdomLayout(root: root, selection: split, continueOnError: continueOnError)
            layout.requireVideos = requireVideos
            return try layout.load()
        }
        if FileManager.default.fileExists(atPath: root.appendingPathComponent(GenericDataset.labelsFile).path) {
            var layout = GenericLayout(root: root, selection: split, continueOnError: continueOnError)
            layout.requireVideos = requireVideos
            return try layout.load()
        }
        throw DatasetError.unknownLayout(root: root.path, expected: [
            "annotation/ (Animal Kingdom: annotation/train.csv and val.csv, or annotation/AR_metadata.csv, with video/<id>.mp4)",
            "labels.csv (generic: columns video,labels)",
        ])
    }
}
