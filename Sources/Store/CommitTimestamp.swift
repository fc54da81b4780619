import Foundation

/// The `committed_at` attribute: ISO-8601 UTC with microseconds ("2025-01-31T09:15:02.123456Z").
/// It orders shards when an item was written more than once, so it carries more precision than
/// ISO8601DateFormatter's milliseconds; parsing accepts any fraction and a `Z` or ±hh:mm offset,
/// as Python's `datetime.isoformat()` writes.
enum CommitTimestamp {
    /// Now, formatted.
    static func now() -> String {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        var seconds = time_t(time.tv_sec)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(time.tv_nsec) / 1000)
    }

    /// Seconds since 1970 for an ISO-8601 date-time, or nil when `text` is not one.
    static func secondsSinceEpoch(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[start..<(start + count)] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        func byte(_ index: Int) -> UInt8? { index < bytes.count ? bytes[index] : nil }

        guard let year = number(0, 4), byte(4) == UInt8(ascii: "-"), let month = number(5, 2), byte(7) == UInt8(ascii: "-"),
              let day = number(8, 2), byte(10) == UInt8(ascii: "T") || byte(10) == UInt8(ascii: " "),
              let hour = number(11, 2), byte(13) == UInt8(ascii: ":"), let minute = number(14, 2),
              byte(16) == UInt8(ascii: ":"), let second = number(17, 2) else { return nil }
        var index = 19
        var fraction = 0.0
        if byte(index) == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            while let digit = byte(index), (48...57).contains(digit) {
                fraction += Double(digit - 48) * scale
                scale /= 10
                index += 1
            }
        }
        var offsetSeconds = 0
        switch byte(index) {
        case nil:
            break
        case UInt8(ascii: "Z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = byte(index) == UInt8(ascii: "+") ? 1 : -1
            let colon = byte(index + 3) == UInt8(ascii: ":") ? 1 : 0
            guard let hours = number(index + 1, 2), let minutes = number(index + 3 + colon, 2) else { return nil }
            offsetSeconds = sign * (hours * 3600 + minutes * 60)
            index += 5 + colon
        default:
            return nil
        }
        guard index == bytes.count else { return nil }

        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        return Double(timegm(&parts) - offsetSeconds) + fraction
    }
}
