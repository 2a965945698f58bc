import Foundation

/// Ctrl-C, handled the way a learner needs: the first press asks the training loop to stop after
/// the current step (it then saves a checkpoint and throws `RunEnded`, which the program's top
/// level turns into the command that continues); a second press stops the program at once. That
/// second press is the one place library code ends the process: it must, because the step under
/// way cannot be interrupted by an error, and the press means "now".
public enum Interruption {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var pressed = 0
    nonisolated(unsafe) private static var source: DispatchSourceSignal?

    /// Starts listening for Ctrl-C (SIGINT).
    public static func install() {
        signal(SIGINT, SIG_IGN)   // the dispatch source below receives it instead
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            lock.lock(); pressed += 1; let count = pressed; lock.unlock()
            if count == 1 {
                FileHandle.standardError.write(
                    Data(
                        "\nCtrl-C: finishing this step and saving a checkpoint (press Ctrl-C again to stop at once)\n"
                            .utf8))
            } else {
                FileHandle.standardError.write(
                    Data("\nStopped at once; the last checkpoint is the one saved before.\n".utf8))
                exit(130)
            }
        }
        source.resume()
        Self.source = source
    }

    /// True once Ctrl-C has been pressed: the training loop checks it after every step.
    public static var requested: Bool {
        lock.lock(); defer { lock.unlock() }
        return pressed > 0
    }
}
