import CFFmpeg
import Foundation

/// How a picture's pixels are rearranged to turn it upright: an optional
/// transpose plus reversed rows and/or columns of the source. These are the
/// `transpose`, `hflip` and `vflip` filters the ffmpeg tool inserts for autorotation.
///
/// Output pixel (x, y) reads source pixel (row, column) with
/// row = transposed ? x : y and column = transposed ? y : x, each counted from
/// the far end when `reverseRows` / `reverseColumns` is set.
struct Orientation: Sendable, Equatable {
    /// Rows become columns (a quarter turn, together with one of the reversals).
    var transposed = false
    /// Read the source bottom-up.
    var reverseRows = false
    /// Read the source right to left.
    var reverseColumns = false

    /// Leave the picture as coded.
    static let upright = Orientation()

    /// True when the picture is left as it is.
    var isUpright: Bool { self == .upright }

    /// The displayed width and height of a coded `width` × `height` picture.
    func displayedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        transposed ? (height, width) : (width, height)
    }
}

/// The rotation a video stream's display matrix asks for, read the way the
/// ffmpeg 5.1 command-line tool reads it when it autorotates.
struct DisplayRotation: Sendable, Equatable {
    /// Clockwise degrees in [0, 360) that turn the coded picture upright; 0 without a matrix.
    /// (ffprobe prints the opposite, counter-clockwise, sign.)
    var degrees: Double
    /// The rearrangement the CLI applies; nil for an angle that is not a quarter turn,
    /// where the CLI resamples with its `rotate` filter (not reproduced here).
    var orientation: Orientation?

    /// No display matrix: nothing to do.
    static let none = DisplayRotation(degrees: 0, orientation: .upright)

    /// Reads `AV_PKT_DATA_DISPLAYMATRIX` from the stream's side data.
    static func of(stream: UnsafeMutablePointer<AVStream>) -> DisplayRotation {
        var size = 0
        guard let data = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size), size >= 9 * 4 else {
            return .none
        }
        let raw = UnsafeRawPointer(data)
        let matrix = (0..<9).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self) }
        return DisplayRotation(matrix: matrix)
    }

    /// Interprets a 3 × 3 display matrix (row-major, 16.16 fixed point, FFmpeg's layout).
    init(matrix m: [Int32]) {
        let theta = Self.clockwiseDegrees(m)
        degrees = theta.isNaN ? 0 : theta
        func near(_ angle: Double) -> Bool { abs(theta - angle) < 1 }
        if near(90) {
            // transpose=cclock_flip when the matrix also mirrors, transpose=clock otherwise.
            orientation = Orientation(transposed: true, reverseRows: m[3] <= 0, reverseColumns: false)
        } else if near(180) {
            orientation = Orientation(transposed: false, reverseRows: m[4] < 0, reverseColumns: m[0] < 0)
        } else if near(270) {
            // transpose=clock_flip when the matrix also mirrors, transpose=cclock otherwise.
            orientation = Orientation(transposed: true, reverseRows: m[3] < 0, reverseColumns: true)
        } else if abs(theta) < 1 {
            // Upright, or upright but mirrored top to bottom.
            orientation = Orientation(transposed: false, reverseRows: m[4] < 0, reverseColumns: false)
        } else if abs(theta) > 1 {
            orientation = nil
        } else {
            // A degenerate matrix (NaN angle) or exactly one degree: the CLI inserts nothing.
            orientation = .upright
        }
    }

    init(degrees: Double, orientation: Orientation?) {
        self.degrees = degrees
        self.orientation = orientation
    }

    /// The clockwise angle, rounded to whole degrees and brought into [0, 360) as ffmpeg's
    /// `get_rotation` does. The matrix's first column and second column give, once
    /// normalised, the cosine and (negated) sine of its counter-clockwise rotation.
    static func clockwiseDegrees(_ m: [Int32]) -> Double {
        let fixed = { (i: Int) in Double(m[i]) / 65536 }
        let firstScale = hypot(fixed(0), fixed(3))
        let secondScale = hypot(fixed(1), fixed(4))
        guard firstScale != 0, secondScale != 0 else { return .nan }
        let counterClockwise = -atan2(fixed(1) / secondScale, fixed(0) / firstScale) * 180 / .pi
        var theta = -counterClockwise.rounded()
        theta -= 360 * (theta / 360 + 0.9 / 360).rounded(.down)
        return theta
    }
}
