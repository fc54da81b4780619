import CVision

/// Process-wide settings of the OpenCV runtime behind `DISOpticalFlow`.
public enum OpenCVRuntime {
    /// OpenCV's version string, e.g. "4.6.0".
    public static var version: String { String(cString: vv_opencv_version()) }

    /// The number of threads OpenCV's parallel loops use (process-wide, shared by every DIS object).
    public static var threadCount: Int { Int(vv_get_num_threads()) }

    /// Sets the number of threads OpenCV's parallel loops use, for the whole process;
    /// `nil` or a value ≤ 0 restores OpenCV's default (one per core).
    public static func setThreadCount(_ count: Int?) throws {
        let value = Int32(clamping: count ?? 0)
        try checkStatus(vv_set_num_threads(value), "setting OpenCV's thread count to \(value)")
    }
}
