import Foundation

/// Formats a progress line (items done / total, rate, ETA); the executable prints it.
public struct ProgressLine: Sendable {
    public let total: Int
    public let unit: String
    public let start: Date

    public init(total: Int, unit: String = "frames", start: Date = Date()) {
        self.total = total
        self.unit = unit
        self.start = start
    }

    /// e.g. `[ 120/30100 items]  850.2 frames/s  ETA 1h02m  3 failed`.
    public func render(done: Int, units: Int, failed: Int, now: Date = Date()) -> String {
        let elapsed = max(now.timeIntervalSince(start), 1e-6)
        let rate = Double(units) / elapsed
        var eta = "--"
        if done > 0 && done < total {
            eta = Self.duration(elapsed / Double(done) * Double(total - done))
        } else if done >= total {
            eta = "done in " + Self.duration(elapsed)
        }
        let width = String(total).count
        let count = String(repeating: " ", count: max(0, width - String(done).count)) + String(done)
        var line = "[\(count)/\(total) items] \(String(format: "%8.1f", rate)) \(unit)/s  ETA \(eta)"
        if failed > 0 { line += "  \(failed) failed" }
        return line
    }

    /// `45s`, `12m05s`, `3h07m`.
    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
    }
}
