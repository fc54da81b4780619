import Foundation

/// Why gzip data could not be read; every case names the file (or what the bytes are).
public enum GzipError: Error, LocalizedError, Equatable, Sendable {
    /// The data does not start with the gzip magic bytes 1f 8b.
    case notGzip(file: String)
    /// The header declares something this reader does not handle (a method other than deflate, reserved flags).
    case unsupported(file: String, reason: String)
    /// The data ends before a part of the member it declares.
    case truncated(file: String, detail: String)
    /// The header, the deflate stream or the trailer is damaged.
    case corrupt(file: String, reason: String)

    /// A sentence naming the file and what is wrong with it.
    public var errorDescription: String? {
        switch self {
        case let .notGzip(file):
            return "\(file): not gzip data (it does not start with the bytes 1f 8b)"
        case let .unsupported(file, reason):
            return "\(file): unsupported gzip file: \(reason)"
        case let .truncated(file, detail):
            return "\(file): gzip data is truncated: \(detail)"
        case let .corrupt(file, reason):
            return "\(file): gzip data is corrupt: \(reason)"
        }
    }
}

/// A reader for gzip files (RFC 1952): one member, deflate-compressed, checked by its CRC-32 and size.
///
/// Multi-member files (several gzip streams concatenated, as `cat a.gz b.gz` makes) are rejected with an
/// error rather than read partly.
public enum Gzip {
    /// Whether `data` starts with the gzip magic bytes.
    public static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
    }

    /// The decompressed contents of the gzip member in `data`; `file` names the data in errors.
    public static func decompress(_ data: Data, file: String) throws -> Data {
        guard isGzip(data) else { throw GzipError.notGzip(file: file) }
        let headerEnd = try parseHeader(data, file: file)
        // The trailer is CRC-32 then ISIZE (the size modulo 2^32), both little-endian, after the stream.
        guard data.count - headerEnd >= 8 else {
            throw GzipError.truncated(file: file, detail: "no room for the deflate stream and 8-byte trailer")
        }
        let declaredSize = Int(data.littleEndian(UInt32.self, at: data.count - 4))
        let stream = data.view(at: headerEnd, count: data.count - headerEnd)
        let output: Data, consumed: Int
        do {
            (output, consumed) = try Inflate.decompressPrefix(stream, limit: declaredSize)
        } catch let failure as Inflate.Failure {
            if failure.reason == "stream ends early" {
                throw GzipError.truncated(file: file, detail: "the deflate stream ends early")
            }
            throw GzipError.corrupt(file: file, reason: "deflate stream: \(failure.reason) "
                                    + "(the trailer's ISIZE says \(declaredSize) bytes)")
        }
        let trailer = headerEnd + consumed
        guard data.count - trailer >= 8 else {
            throw GzipError.truncated(file: file, detail: "the 8-byte trailer after the deflate stream is cut short")
        }
        guard data.count - trailer == 8 else {
            throw GzipError.unsupported(file: file, reason: "\(data.count - trailer - 8) bytes follow the first "
                                        + "member (multi-member gzip files are not supported)")
        }
        let storedCRC = data.littleEndian(UInt32.self, at: trailer)
        let actualCRC = CRC32.checksum(output)
        guard storedCRC == actualCRC else {
            throw GzipError.corrupt(file: file, reason: "CRC-32 mismatch: the trailer says "
                                    + hex(storedCRC) + ", the data hashes to " + hex(actualCRC))
        }
        guard UInt32(truncatingIfNeeded: output.count) == UInt32(declaredSize) else {
            throw GzipError.corrupt(file: file, reason: "the trailer's ISIZE says \(declaredSize) bytes, "
                                    + "the stream inflated to \(output.count)")
        }
        return output
    }

    private static let headerCRCFlag: UInt8 = 0x02, extraFlag: UInt8 = 0x04
    private static let nameFlag: UInt8 = 0x08, commentFlag: UInt8 = 0x10

    /// Checks the fixed header and skips the optional fields; returns the offset of the deflate stream.
    private static func parseHeader(_ data: Data, file: String) throws -> Int {
        guard data.count >= 10 else { throw GzipError.truncated(file: file, detail: "shorter than the 10-byte header") }
        let method = data[data.startIndex + 2], flags = data[data.startIndex + 3]
        guard method == 8 else {
            throw GzipError.unsupported(file: file, reason: "compression method \(method); only deflate (8) exists")
        }
        guard flags & 0xE0 == 0 else {
            throw GzipError.unsupported(file: file, reason: "reserved header flag bits are set (flags \(hex(flags)))")
        }
        var offset = 10
        if flags & extraFlag != 0 {
            guard data.count >= offset + 2 else { throw GzipError.truncated(file: file, detail: "in the FEXTRA length") }
            let length = Int(data.littleEndian(UInt16.self, at: offset))
            offset += 2
            guard data.count >= offset + length else {
                throw GzipError.truncated(file: file, detail: "in the \(length)-byte FEXTRA field")
            }
            offset += length
        }
        for (flag, field) in [(nameFlag, "FNAME"), (commentFlag, "FCOMMENT")] where flags & flag != 0 {
            // Zero-terminated ISO 8859-1 strings.
            guard let end = data[(data.startIndex + offset)...].firstIndex(of: 0) else {
                throw GzipError.truncated(file: file, detail: "the \(field) field has no terminating zero byte")
            }
            offset = end - data.startIndex + 1
        }
        if flags & headerCRCFlag != 0 {
            guard data.count >= offset + 2 else { throw GzipError.truncated(file: file, detail: "in the FHCRC field") }
            let stored = data.littleEndian(UInt16.self, at: offset)
            let actual = UInt16(truncatingIfNeeded: CRC32.checksum(data.view(at: 0, count: offset)))
            guard stored == actual else {
                throw GzipError.corrupt(file: file, reason: "header CRC-16 mismatch: FHCRC says \(hex(stored)), "
                                        + "the header hashes to \(hex(actual))")
            }
            offset += 2
        }
        return offset
    }

    private static func hex<T: FixedWidthInteger>(_ value: T) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, T.bitWidth / 4 - digits.count)) + digits
    }
}
