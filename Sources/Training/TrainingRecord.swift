import Foundation

/// A trainer's checkpoint description (the JSON beside its weights), as the epoch loop sees it: how
/// far training got and which epoch `best.*` holds. The trainer's own fields (configuration,
/// settings, item counts) travel untouched; the loop encodes the whole value.
public protocol TrainingRecord: Codable {
    /// What one validation pass yields.
    associatedtype Validation: ValidationOutcome

    /// Epochs done (0 before the first).
    var epoch: Int { get set }
    /// The epoch the best checkpoint holds; nil before one was chosen.
    var bestEpoch: Int? { get set }
    /// The validation loss of `bestEpoch`.
    var bestValidationLoss: Double? { get set }
    /// The validation score (mAP, say) of `bestEpoch`; a trainer that selects by loss alone ignores it
    /// (`get { nil } set {}`).
    var bestValidationScore: Double? { get set }

    /// Notes the validation of the epoch just done (the loop sets `epoch` and the best fields itself).
    mutating func record(_ validation: Validation)
}

/// What model selection reads from one validation pass.
public protocol ValidationOutcome {
    /// The validation loss (its divergence stops training, as a training loss does).
    var loss: Double { get }
    /// A score where higher is better (mAP), or nil where undefined or not measured.
    var score: Double? { get }
}
