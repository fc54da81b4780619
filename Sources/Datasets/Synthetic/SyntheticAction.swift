/// The motion-defined actions of the synthetic dataset. An animal's look (shape,
/// size, colours, texture) is drawn independently of its action, so only motion
/// tells the actions apart — which is what the motion stages must learn.
public enum SyntheticAction: Int, CaseIterable, Sendable {
    case walkingLeft, walkingRight, keepingStill, jumping, swimming, spinning, shaking

    /// Class name, in the style of Animal Kingdom's df_action.
    public var name: String {
        switch self {
        case .walkingLeft: return "Walking Left"
        case .walkingRight: return "Walking Right"
        case .keepingStill: return "Keeping Still"
        case .jumping: return "Jumping"
        case .swimming: return "Swimming"
        case .spinning: return "Spinning"
        case .shaking: return "Shaking"
        }
    }

    /// Animal Kingdom style category.
    public var category: String {
        switch self {
        case .keepingStill: return "General"
        case .shaking: return "Maintenance"
        default: return "Movement"
        }
    }

    /// Relative frequency when drawing actions: a long-tailed distribution like the real one,
    /// so the head/middle/tail metrics have something to measure.
    public var weight: Double {
        switch self {
        case .walkingLeft, .walkingRight: return 5
        case .keepingStill: return 6
        case .jumping, .swimming: return 2.5
        case .spinning: return 1
        case .shaking: return 0.7
        }
    }
}
