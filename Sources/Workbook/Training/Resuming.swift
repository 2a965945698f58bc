import Foundation

/// What `GANTraining` and `ModelTraining` share about checkpoints: opening one to continue a run,
/// saying where the run continues, and stopping on Ctrl-C.
enum Resuming {
    /// Reads the run's checkpoint and refuses it when it was trained with other settings.
    static func open(_ file: URL, configuration: [String: String]) throws -> Checkpoint {
        let saved = try Checkpoint(contentsOf: file)
        let differences = saved.differences(from: configuration)
        if !differences.isEmpty {
            throw WorkbookError("--resume: the settings differ from the checkpoint's, so the run cannot continue it:\n  "
                                + differences.joined(separator: "\n  ") + "\nRun with the checkpoint's settings, or without --resume to start afresh.")
        }
        return saved
    }

    /// Says where the run continues; exits (status 0) when the checkpoint has trained every epoch asked for.
    static func announce(_ saved: Checkpoint, from file: URL, insideStep: Int?, epochCount: Int) {
        if let step = insideStep {
            print("Resuming in epoch \(saved.epoch + 1) after step \(step) from \(file.path)")
        } else {
            print("Resuming after epoch \(saved.epoch) from \(file.path)")
        }
        if saved.epoch + 1 > epochCount {
            print("The checkpoint has already trained \(saved.epoch) epochs; pass --epochs above \(saved.epoch) to continue.")
            exit(0)
        }
    }

    /// After Ctrl-C, once `save` has written the checkpoint: says how to continue, and exits (status 130).
    static func stop(_ run: Run, progress: ProgressBar?, epoch: Int, step: Int, of steps: Int, file: URL, save: () throws -> Void) -> Never {
        exitOnError { try save() }
        progress?.finish(status: "stopped")
        let again = run.command.contains("--resume") ? run.command : run.command + " --resume"
        print("Stopped in epoch \(epoch) after step \(step) of \(steps); checkpoint saved to \(file.path).")
        print("Continue exactly where it stopped with: \(again)")
        exit(130)
    }
}
