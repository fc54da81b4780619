import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Turns SIGINT and SIGTERM into a call on an ordinary thread: the handler only writes the signal
/// number to a pipe. A handler (unlike an ignored signal, which exec passes on) leaves the stage
/// processes' own dispositions at their defaults. A second signal exits at once (status 130).
enum Interrupts {
    nonisolated(unsafe) private static var pipeWriter: Int32 = -1

    static func install(_ action: @escaping @Sendable (Int32) -> Void) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        pipeWriter = fds[1]
        let reader = fds[0]
        let handler: @convention(c) (Int32) -> Void = { signal in
            var byte = UInt8(truncatingIfNeeded: signal)
            _ = write(Interrupts.pipeWriter, &byte, 1)
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
        Thread {
            var byte: UInt8 = 0
            var count = 0
            while read(reader, &byte, 1) == 1 {
                count += 1
                if count > 1 { exit(130) }
                action(Int32(byte))
            }
        }.start()
    }
}
