import Core

/// The seeded generator now lives in Core (the training loop shuffles with it); this name keeps
/// `import Datasets` code compiling unchanged.
public typealias SplitMix64 = Core.SplitMix64
