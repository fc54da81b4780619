import Core
import Foundation

/// `SHA-256(stage name, code version, canonical params JSON, upstream fingerprints)` as DESIGN §4
/// defines it. The params JSON also names every input: upstream stages by name (their
/// fingerprints follow), external files by content digest, and an item stage's dataset by its
/// identity (its path, or the `name:` the pipeline gives it) but not its content, so adding
/// videos keeps the directory and computes only the new items.
public enum Fingerprint {
    /// The full digest (`sha256:<hex>`).
    static func compute(stage: String, version: String, params: String, upstream: [(name: String, token: String)]) -> String {
        var text = stage + "\n" + version + "\n" + params + "\n"
        for (name, token) in upstream.sorted(by: { $0.name < $1.name }) { text += name + "=" + token + "\n" }
        return FileDigest.sha256(of: Data(text.utf8))
    }

    /// The name of the stage's cache directory: the first 20 hex digits (80 bits) of the fingerprint.
    public static func directoryName(_ fingerprint: String) -> String {
        let hex = fingerprint.hasPrefix("sha256:") ? fingerprint.dropFirst(7) : Substring(fingerprint)
        return String(hex.prefix(20))
    }
}
