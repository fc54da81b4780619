import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The system's reason for a failed file operation in the words of `strerror` ("Read-only file
/// system", "No space left on device"), without Foundation's "The operation could not be completed"
/// preamble, so that an error message can put it after the path it concerns.
public enum SystemReason {
    /// The POSIX reason behind `error` when there is one, else its description.
    public static func of(_ error: Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSCocoaErrorDomain, let code = cocoaErrno[nsError.code] {
            return String(cString: strerror(code))
        }
        return error.localizedDescription
    }

    /// Foundation's file error codes that carry no POSIX error, and the errno each stands for.
    private static let cocoaErrno: [Int: Int32] = [
        NSFileWriteVolumeReadOnlyError: EROFS,
        NSFileWriteNoPermissionError: EACCES,
        NSFileReadNoPermissionError: EACCES,
        NSFileWriteOutOfSpaceError: ENOSPC,
        NSFileNoSuchFileError: ENOENT,
        NSFileReadNoSuchFileError: ENOENT,
        NSFileWriteFileExistsError: EEXIST,
    ]
}
