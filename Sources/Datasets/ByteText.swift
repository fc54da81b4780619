/// Small helpers for parsing ASCII-delimited text straight from bytes (the per-frame files are ~200 MB).
enum ByteText {
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let lf = UInt8(ascii: "\n")
    static let cr = UInt8(ascii: "\r")
    static let comma = UInt8(ascii: ",")
    static let quote = UInt8(ascii: "\"")

    /// Calls `body(line, start, end)` for each line of `p`, `end` excluding the line break (LF or CRLF).
    /// A leading UTF-8 byte-order mark is skipped.
    static func forEachLine(_ p: UnsafeBufferPointer<UInt8>, _ body: (Int, Int, Int) throws -> Void) rethrows {
        let n = p.count
        var start = (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) ? 3 : 0
        var line = 1
        while start < n {
            var end = start
            while end < n && p[end] != lf { end += 1 }
            let next = end + 1
            if end > start && p[end - 1] == cr { end -= 1 }
            try body(line, start, end)
            line += 1
            start = next
        }
    }

    /// Whether `p[start..<end]` is only spaces and tabs.
    static func isBlank(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var i = start
        while i < end { if p[i] != space && p[i] != tab { return false }; i += 1 }
        return true
    }

    /// The integer written in `p[start..<end]` (optional sign, then 1–18 digits), or nil.
    static func integer(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        var i = start
        var negative = false
        if i < end && (p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+")) {
            negative = p[i] == UInt8(ascii: "-")
            i += 1
        }
        guard i < end && end - i <= 18 else { return nil }
        var value = 0
        while i < end {
            let digit = Int(p[i]) - 48
            guard digit >= 0 && digit <= 9 else { return nil }
            value = value * 10 + digit
            i += 1
        }
        return negative ? -value : value
    }

    /// `p[start..<end]` as a string.
    static func string(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: p[start..<end]), as: UTF8.self)
    }

    /// Whether `p[a..<a+length]` equals `p[b..<b+length]`.
    static func equal(_ p: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int, _ length: Int) -> Bool {
        var k = 0
        while k < length { if p[a + k] != p[b + k] { return false }; k += 1 }
        return true
    }
}
