import Foundation

/// Which frames of a video to keep.
public enum FrameSelection: Sendable, Equatable, CustomStringConvertible {
    /// Every decoded frame.
    case all
    /// Frames resampled to a target rate: the first frame at or after each tick of 1/F seconds.
    case fps(Double)
    /// N frames at the centres of N equal segments (MSQNet's evaluation sampling).
    case uniform(Int)
    /// An explicit list of 0-based frame indices (presentation order).
    case indices([Int])

    /// Parses `all`, `fps:F`, `uniform:N` or `indices:3,17,42`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        switch (parts.first ?? "", parts.count) {
        case ("all", 1): self = .all
        case ("fps", 2):
            guard let f = Double(parts[1]), f > 0, f.isFinite else {
                throw MediaError.invalidSelection("'\(text)': fps:F needs a positive number")
            }
            self = .fps(f)
        case ("uniform", 2):
            guard let n = Int(parts[1]), n > 0 else {
                throw MediaError.invalidSelection("'\(text)': uniform:N needs a positive whole number")
            }
            self = .uniform(n)
        case ("indices", 2):
            let values = parts[1].split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.allSatisfy({ ($0 ?? -1) >= 0 }) else {
                throw MediaError.invalidSelection("'\(text)': indices:a,b,c needs non-negative whole numbers")
            }
            self = .indices(values.map { $0! })
        default:
            throw MediaError.invalidSelection("'\(text)': expected all, fps:F, uniform:N or indices:a,b,c")
        }
    }

    public var description: String {
        switch self {
        case .all: return "all"
        case .fps(let f): return "fps:\(f)"
        case .uniform(let n): return "uniform:\(n)"
        case .indices(let list): return "indices:" + list.map(String.init).joined(separator: ",")
        }
    }

    /// The sorted, distinct frame indices this selection keeps from a video whose
    /// frames (in presentation order) have the given timestamps in seconds.
    public func indices(timestamps: [Double]) -> [Int] {
        let count = timestamps.count
        guard count > 0 else { return [] }
        switch self {
        case .all:
            return Array(0..<count)
        case .indices(let list):
            return Array(Set(list.filter { $0 < count })).sorted()
        case .uniform(let n):
            return Array(Set(Self.segmentCentres(frameCount: count, samples: n))).sorted()
        case .fps(let rate):
            return Self.resample(timestamps: timestamps, fps: rate)
        }
    }

    /// MSQNet's evaluation sampling, reproduced with numpy's arithmetic:
    /// T ≤ N → linspace(0, T-1, N) truncated; otherwise ticks = linspace(0, T, N+1)
    /// truncated, index = tick + (next tick − tick) // 2. May contain repeats when T < N.
    public static func segmentCentres(frameCount t: Int, samples n: Int) -> [Int] {
        guard t > 0, n > 0 else { return [] }
        if t <= n { return linspaceInt(0, Double(t - 1), n) }
        let ticks = linspaceInt(0, Double(t), n + 1)
        return (0..<n).map { ticks[$0] + (ticks[$0 + 1] - ticks[$0]) / 2 }
    }

    /// numpy.linspace(start, stop, num, endpoint=True).astype(int), bit for bit.
    static func linspaceInt(_ start: Double, _ stop: Double, _ num: Int) -> [Int] {
        guard num > 1 else { return num == 1 ? [Int(start)] : [] }
        let step = (stop - start) / Double(num - 1)
        var values = (0..<num).map { Double($0) * step + start }
        values[num - 1] = stop
        return values.map { Int($0) }  // astype(int) truncates toward zero
    }

    /// The first frame at or after each tick t0, t0 + 1/F, …, each frame at most once.
    static func resample(timestamps: [Double], fps: Double) -> [Int] {
        let period = 1 / fps
        let tolerance = 1e-6
        var next = timestamps[0]
        var chosen: [Int] = []
        for (i, t) in timestamps.enumerated() where t + tolerance >= next {
            chosen.append(i)
            next += period
            while next <= t + tolerance { next += period }
        }
        return chosen
    }
}
