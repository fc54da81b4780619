import ArgumentParser
import Foundation

/// `vimo-amclip`: X-CLIP video classifiers on cached frames (AnimalMotionCLIP builds on it).
@main
struct AMCLIPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vimo-amclip",
        abstract: "X-CLIP video classification on cached frames: zero-shot scoring against one text prompt per class.",
        version: "amclip-1",
        subcommands: [ZeroShot.self])
}

/// A reason this run cannot proceed, said in a sentence.
struct AMCLIPFailure: LocalizedError {
    let errorDescription: String?
    init(_ text: String) { errorDescription = text }
}
