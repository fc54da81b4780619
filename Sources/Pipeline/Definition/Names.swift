/// The naming rules for stages, vars and options.
enum Names {
    /// Stage and var names: `[a-z0-9][a-z0-9_-]*` (stage names become directory names).
    static func isStageOrVarName(_ name: String) -> Bool {
        matches(name, extra: ["_", "-"])
    }

    /// Option names (keys of `inputs` and `params`): `[a-z0-9][a-z0-9-]*`.
    static func isOptionName(_ name: String) -> Bool {
        matches(name, extra: ["-"])
    }

    private static func matches(_ name: String, extra: Set<Character>) -> Bool {
        guard let first = name.first, isLowerAlphanumeric(first) else { return false }
        return name.allSatisfy { isLowerAlphanumeric($0) || extra.contains($0) }
    }

    private static func isLowerAlphanumeric(_ character: Character) -> Bool {
        ("a"..."z").contains(character) || ("0"..."9").contains(character)
    }
}
