import ArgumentParser
import Foundation

/// `vimo-amclip`: X-CLIP video classifiers on cached frames (AnimalMotionCLIP builds on it).
@main
struct AMCLIPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vimo-amclip",
        abstract: "X-CLIP video classification on cached frames and flow: zero-shot scoring, and AnimalMotionCLIP's training and prediction.",
        version: "amclip-3",  // 2: train and predict; 3: scores in a `scores` dataset
        subcommands: [ZeroShot.self, Train.self, Predict.self])
}

/// A reason this run cannot proceed, said in a sentence.
struct AMCLIPFailure: LocalizedError {
    let errorDescription: String?
    init(_ text: String) { errorDescription = text }
}
