import CHardware
import Foundation

/// Ctrl-C, handled the way a learner needs: the first press asks the training loop to stop after
/// the current step (it then saves a checkpoint and throws `RunEnded`, which the program's top
/// level turns into the command that continues); a second press stops the program at once. That
/// second press is the one place library code ends the process: it must, because the step under
/// way cannot be interrupted by an error, and the press means "now".
///
/// The handler is a plain signal handler, in place from the moment `install` returns: it counts
/// the press (one atomic add) and writes its line with `write`, both safe inside a signal handler.
/// (A dispatch source registers itself later, on another thread: a press in between was lost, and
/// under load the tests that press Ctrl-C right after "Training …" appears saw it happen.)
public enum Interruption {
    /// Starts listening for Ctrl-C (SIGINT).
    public static func install() {
        _ = presses   // made before the handler can run
        signal(SIGINT, onInterrupt)
        // A program started by another (a test, an IDE) can inherit SIGINT blocked: the press would
        // wait forever. Unblocked on this thread, the training loop's, it is delivered here.
        var interrupt = sigset_t()
        sigemptyset(&interrupt)
        sigaddset(&interrupt, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &interrupt, nil)
    }

    /// True once Ctrl-C has been pressed: the training loop checks it after every step.
    public static var requested: Bool { atomicLoad(presses) > 0 }
}

/// The presses so far: written by the signal handler, read by the training loop.
nonisolated(unsafe) private let presses: UnsafeMutablePointer<Int> = {
    let word = UnsafeMutablePointer<Int>.allocate(capacity: 1)
    word.initialize(to: 0)
    return word
}()

private let onInterrupt: @convention(c) (Int32) -> Void = { _ in
    func say(_ text: StaticString) { _ = write(2, text.utf8Start, text.utf8CodeUnitCount) }
    if atomicAdd(presses, 1) == 1 {
        say("\nCtrl-C: finishing this step and saving a checkpoint (press Ctrl-C again to stop at once)\n")
    } else {
        say("\nStopped at once; the last checkpoint is the one saved before.\n")
        _exit(130)
    }
}
