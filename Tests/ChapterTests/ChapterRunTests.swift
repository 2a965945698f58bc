import Backprop
import Foundation
import Testing
import Models
import Workbook

/// Runs the chapter programs as a reader would, on a tiny synthetic MNIST written by the test.
enum Chapters {
    /// The folder holding the built executables (the same one as this test runner).
    static let binaries: URL = {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = runner.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("chapter03-gan").path),
              folder.path != "/" { folder = folder.deletingLastPathComponent() }
        return folder
    }()

    /// A data folder with 320 training and 100 test "digits": bright random strokes on black.
    static let dataRoot: URL = makeDataRoot(seed: 5)

    /// Such a folder drawn from `seed` (another seed: other "digits", in the same format).
    static func makeDataRoot(seed: UInt64, trainingImages: Int = 320) -> URL {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("chapter-tests-\(ProcessInfo.processInfo.processIdentifier)-\(seed)-\(trainingImages)")
        let folder = root.appendingPathComponent("mnist")
        try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let rng = RandomGenerator(seed: seed)
        for (split, count) in [(MNIST.Split.train, trainingImages), (.test, 100)] {
            var pixels = [UInt8](repeating: 0, count: count * 784)
            for image in 0..<count {
                let column = 6 + rng.index(below: 16)
                for row in 4..<24 { pixels[image * 784 + row * 28 + column] = 255; pixels[image * 784 + row * 28 + column + 1] = 200 }
            }
            let images = IDXArray(dimensions: [count, 28, 28], bytes: pixels)
            let labels = IDXArray(dimensions: [count], bytes: (0..<count).map { UInt8($0 % 10) })
            let names = split == .train ? ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
                                        : ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
            try! Data(try! gzip(images.encoded)).write(to: folder.appendingPathComponent(names.0))
            try! Data(try! gzip(labels.encoded)).write(to: folder.appendingPathComponent(names.1))
        }
        return root
    }

    /// The programs run in a folder of their own, so their default outputs and caches
    /// (output/...) never land in the repository.
    static let workingFolder: URL = {
        let working = Chapters.folder("working-folder")
        try! FileManager.default.createDirectory(at: working, withIntermediateDirectories: true)
        return working
    }()

    struct Result { let status: Int32; let output: String; let errors: String }

    /// Runs `chapter` with `arguments` (plus the synthetic data folder) and waits for it.
    static func run(_ chapter: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = binaries.appendingPathComponent(chapter)
        process.arguments = arguments + (["compare", "bench", "gan-dynamics"].contains(chapter) || arguments.contains("--data-dir") ? [] : ["--data-dir", dataRoot.path])
        process.currentDirectoryURL = workingFolder
        if let environment { process.environment = environment }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let exited = exitSignal(process)
        try process.run()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        return Result(status: wait(process, exited), output: String(decoding: outputData, as: UTF8.self),
                      errors: String(decoding: errorData, as: UTF8.self))
    }

    /// A semaphore signalled when `process` ends. (Foundation's `waitUntilExit` can spin forever
    /// off the main thread on Linux, where the test runner calls it; a termination handler, set
    /// before the process starts, cannot miss the exit.)
    static func exitSignal(_ process: Process) -> DispatchSemaphore {
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        return exited
    }

    /// Waits for `process` to end (10 minutes at most, then kills it) and returns its status.
    static func wait(_ process: Process, _ exited: DispatchSemaphore) -> Int32 {
        if exited.wait(timeout: .now() + 600) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            return -1
        }
        return process.terminationStatus
    }

    /// Starts `chapter`, waits until its output contains `marker`, sends it Ctrl-C (SIGINT) after
    /// `delay` seconds, and waits for it to end.
    static func interrupt(_ chapter: String, _ arguments: [String], after marker: String, times: Int = 1, delay: Double) throws -> Result {
        let process = Process()
        process.executableURL = binaries.appendingPathComponent(chapter)
        process.arguments = arguments + (chapter == "gan-dynamics" || arguments.contains("--data-dir") ? [] : ["--data-dir", dataRoot.path])
        process.currentDirectoryURL = workingFolder
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let exited = exitSignal(process)
        try process.run()
        var seen = Data()
        let deadline = Date().addingTimeInterval(60)
        while String(decoding: seen, as: UTF8.self).components(separatedBy: marker).count <= times && Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }   // the program ended before printing the marker
            seen.append(chunk)
        }
        Thread.sleep(forTimeInterval: delay)
        process.interrupt()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        seen.append(output.fileHandleForReading.readDataToEndOfFile())
        return Result(status: wait(process, exited), output: String(decoding: seen, as: UTF8.self),
                      errors: String(decoding: errorData, as: UTF8.self))
    }

    /// Starts `chapter` and kills it (SIGKILL: no chance to clean up) after `seconds`.
    static func killAfter(_ seconds: Double, _ chapter: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = binaries.appendingPathComponent(chapter)
        process.arguments = arguments + ["--data-dir", dataRoot.path]
        process.currentDirectoryURL = workingFolder
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let exited = exitSignal(process)
        try process.run()
        Thread.sleep(forTimeInterval: seconds)
        Foundation.kill(process.processIdentifier, SIGKILL)
        _ = wait(process, exited)
    }

    /// The error and warning lines of a program's standard error (without its progress lines).
    static func messages(_ errors: String) -> String {
        errors.components(separatedBy: CharacterSet(charactersIn: "\r\n")).filter { $0.hasPrefix("error:") || $0.hasPrefix("warning:") }
            .joined(separator: " / ")
    }

    static func folder(_ name: String = #function) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("chapter-run-\(ProcessInfo.processInfo.processIdentifier)-\(name.filter(\.isLetter))")
    }
}

/// The epochs a chapter's checkpoint records, as the chapter's record type (GANEpoch, VAEEpoch).
func history<Record: Decodable>(_ checkpoint: Checkpoint, of: Record.Type = GANEpoch.self) throws -> [Record] {
    try JSONDecoder().decode(SavedHistory<Record>.self, from: Data(checkpoint.state.utf8)).history
}
struct SavedHistory<Record: Decodable>: Decodable { var history: [Record] }

@Suite("Chapter 3 end to end", .serialized)
struct GANChapterTests {
    let common = ["--limit", "256", "--batch-size", "64", "--threads", "2"]

    @Test func resumingGivesTheUninterruptedRunBitForBit() throws {
        let straight = Chapters.folder("straight"), resumed = Chapters.folder("resumed")
        let a = try Chapters.run("chapter03-gan", common + ["--epochs", "3", "--output-dir", straight.path])
        #expect(a.status == 0, "\(a.errors)")
        let b1 = try Chapters.run("chapter03-gan", common + ["--epochs", "1", "--output-dir", resumed.path])
        #expect(b1.status == 0, "\(b1.errors)")
        let b2 = try Chapters.run("chapter03-gan", common + ["--epochs", "3", "--resume", "--output-dir", resumed.path])
        #expect(b2.status == 0, "\(b2.errors)")
        #expect(b2.output.contains("Resuming after epoch 1"))
        for picture in ["epoch-002.png", "epoch-003.png", "samples.png", "interpolation.png"] {
            let one = try Data(contentsOf: straight.appendingPathComponent(picture))
            let two = try Data(contentsOf: resumed.appendingPathComponent(picture))
            #expect(one == two, "\(picture) differs after a resume")
        }
        let x = try Checkpoint(contentsOf: straight.appendingPathComponent("checkpoint.bin"))
        let y = try Checkpoint(contentsOf: resumed.appendingPathComponent("checkpoint.bin"))
        #expect(x.epoch == 3 && y.epoch == 3 && x.randomState == y.randomState && x.counters == y.counters)
        #expect(x.tensors.count == y.tensors.count && x.tensors.count > 8)
        for (p, q) in zip(x.tensors, y.tensors) {
            #expect(p.name == q.name && p.tensor.values.map(\.bitPattern) == q.tensor.values.map(\.bitPattern), "\(p.name) differs")
        }
        let (p, q) = (try history(x), try history(y))
        #expect(p.map(\.discriminatorLoss) == q.map(\.discriminatorLoss))
        #expect(p.compactMap(\.score).count == 3 && p.map(\.score) == q.map(\.score))
        for chart in ["loss.dat", "scores.dat", "variety.dat", "frechet.dat", "digits.dat"] {   // the charts' numbers continue seamlessly
            let one = try String(contentsOf: straight.appendingPathComponent(chart), encoding: .utf8)
            let two = try String(contentsOf: resumed.appendingPathComponent(chart), encoding: .utf8)
            let dataLines = one.split(separator: "\n").filter { !$0.hasPrefix("#") }.count
            #expect(one == two && dataLines >= 3, "\(chart) differs after a resume, or has no data")
        }
        // The report and charts of the resumed run cover all three epochs.
        let report = try String(contentsOf: resumed.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("| 1 |") && report.contains("| 3 |"))
        #expect(report.contains("| Fréchet distance |") && report.contains("](frechet.png)"))
    }

    @Test func ctrlCStopsAfterTheStepAndTheRunResumesBitForBit() throws {
        let straight = Chapters.folder("ctrlc-straight"), stopped = Chapters.folder("ctrlc-stopped")
        let arguments = ["--limit", "3200", "--batch-size", "64", "--threads", "2", "--epochs", "2"]
        let a = try Chapters.run("chapter03-gan", arguments + ["--output-dir", straight.path])
        #expect(a.status == 0, "\(a.errors)")
        let b = try Chapters.interrupt("chapter03-gan", arguments + ["--output-dir", stopped.path], after: "Training for ", delay: 0.4)
        #expect(b.status == 130, "status \(b.status): \(b.errors)")
        #expect(b.errors.contains("Ctrl-C: finishing this step"), "\(b.errors)")
        #expect(b.output.contains("Stopped in epoch") && b.output.contains("--resume"), "\(b.output)")
        let c = try Chapters.run("chapter03-gan", arguments + ["--output-dir", stopped.path, "--resume"])
        #expect(c.status == 0, "\(c.errors)")
        #expect(c.output.contains("Resuming in epoch"), "\(c.output)")
        for picture in ["epoch-001.png", "epoch-002.png", "samples.png"] {
            let one = try Data(contentsOf: straight.appendingPathComponent(picture))
            let two = try Data(contentsOf: stopped.appendingPathComponent(picture))
            #expect(one == two, "\(picture) differs after Ctrl-C and --resume")
        }
        let x = try Checkpoint(contentsOf: straight.appendingPathComponent("checkpoint.bin"))
        let y = try Checkpoint(contentsOf: stopped.appendingPathComponent("checkpoint.bin"))
        for (p, q) in zip(x.tensors, y.tensors) {
            #expect(p.tensor.values.map(\.bitPattern) == q.tensor.values.map(\.bitPattern), "\(p.name) differs")
        }
        #expect(try history(x).map(\.generatorLoss) == (try history(y)).map(\.generatorLoss))
        let curves = try String(contentsOf: straight.appendingPathComponent("loss.dat"), encoding: .utf8)
        #expect(curves == (try String(contentsOf: stopped.appendingPathComponent("loss.dat"), encoding: .utf8)))
    }

    /// The digit classifier trains through the same loop: Ctrl-C saves its checkpoint in the cache,
    /// and the next run continues it bit for bit (its dropout's random numbers included).
    @Test func theDigitClassifierStoppedByCtrlCContinuesBitForBit() throws {
        let straight = Chapters.folder("classifier-straight"), stopped = Chapters.folder("classifier-stopped")
        defer { for folder in [straight, stopped] { try? FileManager.default.removeItem(at: folder) } }
        let digits = Chapters.makeDataRoot(seed: 5, trainingImages: 20_000)   // 157 steps an epoch: time to stop in one
        defer { try? FileManager.default.removeItem(at: digits) }
        func arguments(_ folder: URL) -> [String] {
            ["--epochs", "1", "--limit", "256", "--threads", "2", "--cache-dir", folder.appendingPathComponent("cache").path,
             "--output-dir", folder.appendingPathComponent("run").path, "--data-dir", digits.path]
        }
        let a = try Chapters.run("chapter03-gan", arguments(straight))
        #expect(a.status == 0, "\(a.errors)")
        let b = try Chapters.interrupt("chapter03-gan", arguments(stopped), after: "Training the digit classifier", delay: 0.3)
        #expect(b.status == 130 && b.output.contains("Stopped in epoch"), "status \(b.status): \(b.output) \(b.errors)")
        let file = "cache/digit-classifier.bin"
        let partial = try Checkpoint(contentsOf: stopped.appendingPathComponent(file))
        #expect(partial.epoch < DigitClassifier.epochs, "the classifier was not stopped: \(partial.epoch) epochs")
        let c = try Chapters.run("chapter03-gan", arguments(stopped))
        #expect(c.status == 0 && c.output.contains("Resuming in epoch"), "\(c.output) \(c.errors)")
        let x = try Checkpoint(contentsOf: straight.appendingPathComponent(file))
        let y = try Checkpoint(contentsOf: stopped.appendingPathComponent(file))
        #expect(x.epoch == DigitClassifier.epochs && y.epoch == DigitClassifier.epochs)
        #expect(x.tensors.count == y.tensors.count && !x.tensors.isEmpty)
        for (p, q) in zip(x.tensors, y.tensors) {
            #expect(p.tensor.values.map(\.bitPattern) == q.tensor.values.map(\.bitPattern), "\(p.name) differs after Ctrl-C")
        }
        let scores = try String(contentsOf: straight.appendingPathComponent("run/scores.dat"), encoding: .utf8)
        #expect(scores == (try String(contentsOf: stopped.appendingPathComponent("run/scores.dat"), encoding: .utf8)))
    }

    /// Appendix C trains by steps through the same loop: Ctrl-C in a round saves a checkpoint, and
    /// --resume gives the uninterrupted run's snapshots, points and charts byte for byte: stopped in
    /// a later round, and in the first (whose record holds the snapshot taken before any step).
    /// A --resume of the finished run then changes no file.
    @Test(arguments: [(every: 100, delay: 0.5), (every: 1000, delay: 0.0)])
    func appendixCStoppedByCtrlCResumesByteForByte(every: Int, delay: Double) throws {
        let straight = Chapters.folder("dynamics-straight-\(every)"), stopped = Chapters.folder("dynamics-stopped-\(every)")
        defer { for folder in [straight, stopped] { try? FileManager.default.removeItem(at: folder) } }
        let arguments = ["--steps", "3000", "--every", "\(every)", "--threads", "2"]
        let a = try Chapters.run("gan-dynamics", arguments + ["--output-dir", straight.path])
        #expect(a.status == 0, "\(a.errors)")
        let b = try Chapters.interrupt("gan-dynamics", arguments + ["--output-dir", stopped.path], after: "Training on ring", delay: delay)
        #expect(b.status == 130 && b.output.contains("Stopped in snapshot") && b.output.contains("--resume"), "\(b.output) \(b.errors)")
        if every == 1000 { #expect(b.output.contains("Stopped in snapshot 1 "), "\(b.output)") }
        let c = try Chapters.run("gan-dynamics", arguments + ["--output-dir", stopped.path, "--resume"])
        #expect(c.status == 0 && c.output.contains("Resuming in snapshot"), "\(c.output) \(c.errors)")
        let d = try Chapters.run("gan-dynamics", arguments + ["--output-dir", stopped.path, "--resume"])
        #expect(d.status == 0, "a --resume of a finished run: \(d.errors)")
        let files = try FileManager.default.contentsOfDirectory(atPath: straight.path).filter { $0.hasSuffix(".png") || $0.hasSuffix(".dat") }
        #expect(files.count > 8)
        for file in files {
            let one = try Data(contentsOf: straight.appendingPathComponent(file))
            #expect(one == (try? Data(contentsOf: stopped.appendingPathComponent(file))), "\(file) differs after Ctrl-C and --resume")
        }
    }

    @Test func afterCtrlCTheReportShowsTheFinishedEpochsAndSaysHowToContinue() throws {
        let straight = Chapters.folder("notebook-straight"), stopped = Chapters.folder("notebook-stopped")
        let arguments = ["--batch-size", "8", "--threads", "2", "--epochs", "6"]   // 40 steps an epoch on the synthetic digits
        let a = try Chapters.run("chapter03-gan", arguments + ["--output-dir", straight.path])
        #expect(a.status == 0, "\(a.errors)")
        // Ctrl-C once the second epoch's digit score is printed: the run stops in epoch 3 (or soon after).
        let b = try Chapters.interrupt("chapter03-gan", arguments + ["--output-dir", stopped.path], after: "digit score", times: 2, delay: 0)
        #expect(b.status == 130, "status \(b.status): \(b.errors)")
        let finished = try Checkpoint(contentsOf: stopped.appendingPathComponent("checkpoint.bin")).epoch
        #expect(finished >= 2 && finished < 6, "stopped after epoch \(finished)")
        let report = try String(contentsOf: stopped.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("**Stopped:** Ctrl-C in epoch \(finished + 1)") && report.contains("--resume`"), "\(report.prefix(400))")
        #expect(epochRows(stopped).count == finished, "\(epochRows(stopped))")
        #expect(report.contains(try output("epochs", stopped)), "the woven chapter holds the epoch table")
        #expect(report.contains(String(format: "](epoch-%03d.png)", finished)), "the stopped report shows the last finished epoch's grid")
        #expect(report.hasPrefix("# Chapter 3") && report.contains("## The training step, written out"), "the report is the woven chapter")
        for file in [String(format: "epoch-%03d.png", finished), "loss.png", "scores.png", "frechet.png", "report.md", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: stopped.appendingPathComponent(file).path), "\(file) missing after Ctrl-C")
        }
        let c = try Chapters.run("chapter03-gan", arguments + ["--output-dir", stopped.path, "--resume"])
        #expect(c.status == 0, "\(c.errors)")
        let resumed = try String(contentsOf: stopped.appendingPathComponent("report.md"), encoding: .utf8)
        let whole = try String(contentsOf: straight.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(resumed.contains("**Finished**") && epochRows(stopped).count == 6 && !resumed.contains("**Stopped"))
        #expect(epochRows(stopped) == epochRows(straight))                     // every number but the seconds
        #expect(try output("scores", stopped) == output("scores", straight))
        #expect(try Data(contentsOf: stopped.appendingPathComponent("samples.png")) == Data(contentsOf: straight.appendingPathComponent("samples.png")))
        let scores = (try output("scores", stopped), try output("scores", straight))
        #expect(resumed.contains(scores.0) && whole.contains(scores.1))
    }

    /// A run's output `name` (a table, a chart) as it saved it in outputs.json.
    func output(_ name: String, _ folder: URL) throws -> String {
        try #require(RunOutputs(folder: folder)?[name], "\(folder.path) has no output \(name)").markdown
    }

    /// The rows of a run's epoch table (its output "epochs"), without their last column (the seconds).
    func epochRows(_ folder: URL) -> [String] {
        ((try? output("epochs", folder)) ?? "").split(separator: "\n")
            .filter { $0.split(separator: "|").first.map { Int($0.trimmingCharacters(in: .whitespaces)) != nil } ?? false }
            .map { $0.split(separator: "|").dropLast().joined(separator: "|") }
    }

    @Test func generatedSamplesReadBackAsMNIST() throws {
        let folder = Chapters.folder()
        let trained = try Chapters.run("chapter03-gan", common + ["--epochs", "1", "--output-dir", folder.path])
        #expect(trained.status == 0, "\(trained.errors)")
        let drawn = try Chapters.run("chapter03-gan", ["--generate", "150", "--output-dir", folder.path])
        #expect(drawn.status == 0, "\(drawn.errors)")
        let idx = try IDXArray(contentsOf: folder.appendingPathComponent("generated-idx3-ubyte"))
        #expect(idx.dimensions == [150, 28, 28])
        #expect(Set(idx.bytes).count > 10, "the samples are not images")
        let grid = try PNG.read(folder.appendingPathComponent("generated.png"))
        #expect(grid.width == 2 * (10 * 30 + 2) && grid.height == 2 * (10 * 30 + 2))
    }

    @Test func badFlagsAreRefusedWithClearMessages() throws {
        let cases: [([String], [String])] = [
            (["--preset", "huge"], ["huge", "classic", "small", "book"]),
            (["--real-label", "0.2"], ["--real-label must be in (0.5, 1]"]),
            (["--epochs", "0"], ["--epochs must be between 1 and 10000"]),
            (["--lr", "-1"], ["--lr"]),
            (["--d-dropout", "1.5"], ["--d-dropout must be in [0, 1)"]),
            (["--latent", "cauchy"], ["cauchy", "normal", "uniform"]),
            (["--checkpoint", "x.bin"], ["--checkpoint goes with --generate"]),
        ]
        for (arguments, fragments) in cases {
            let result = try Chapters.run("chapter03-gan", arguments + ["--output-dir", Chapters.folder("bad").path])
            #expect(result.status != 0, "\(arguments) was accepted")
            for fragment in fragments { #expect(result.errors.contains(fragment), "\(arguments): «\(result.errors)» lacks «\(fragment)»") }
        }
    }

    @Test func resumingWithOtherSettingsOrADamagedCheckpointIsRefused() throws {
        let folder = Chapters.folder()
        #expect(try Chapters.run("chapter03-gan", common + ["--epochs", "1", "--output-dir", folder.path]).status == 0)
        let other = try Chapters.run("chapter03-gan", ["--limit", "256", "--batch-size", "32", "--epochs", "2", "--resume", "--output-dir", folder.path])
        #expect(other.status != 0 && other.errors.contains("batch size: checkpoint 64, now 32"), "\(other.errors)")
        let file = folder.appendingPathComponent("checkpoint.bin")
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: file)
        let damaged = try Chapters.run("chapter03-gan", common + ["--epochs", "2", "--resume", "--output-dir", folder.path])
        #expect(damaged.status != 0 && damaged.errors.contains("checksum does not match"), "\(damaged.errors)")
    }
}

@Suite("One run per output folder", .serialized)
struct OutputLockTests {
    @Test func aSecondRunIsRefusedDrawingNeedsNoLockAndAKilledRunsLockIsTakenOver() throws {
        let folder = Chapters.folder("one-writer"), lock = Chapters.folder("one-writer").appendingPathComponent(OutputLock.fileName)
        defer { try? FileManager.default.removeItem(at: folder) }
        // A first run that would train for a long time: the folder is its own once it starts.
        let first = Process()
        first.executableURL = Chapters.binaries.appendingPathComponent("chapter03-gan")
        first.arguments = ["--epochs", "10000", "--batch-size", "64", "--no-score", "--output-dir", folder.path, "--data-dir", Chapters.dataRoot.path]
        first.currentDirectoryURL = Chapters.workingFolder
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        let exited = Chapters.exitSignal(first)
        try first.run()
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("checkpoint.bin").path) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        try #require(first.isRunning, "the first run ended early")
        #expect(FileManager.default.fileExists(atPath: lock.path), "the running run holds no lock")

        let second = try Chapters.run("chapter03-gan", ["--epochs", "1", "--no-score", "--output-dir", folder.path])
        #expect(second.status == 1, "a second run into a folder in use was not refused: \(second.output)")
        #expect(second.errors.contains("is in use by another run (process \(first.processIdentifier)") && second.errors.contains("--output-dir")
                && second.errors.contains("--epochs 10000"), "\(second.errors)")
        let drawn = try Chapters.run("chapter03-gan", ["--generate", "10", "--output-dir", folder.path])
        #expect(drawn.status == 0, "--generate needs no lock: \(drawn.errors)")
        let compared = try Chapters.run("compare", [folder.path])
        #expect(!compared.errors.contains("in use"), "compare needs no lock: \(compared.errors)")

        kill(first.processIdentifier, SIGKILL)                         // no chance to let go of the folder
        _ = Chapters.wait(first, exited)
        #expect(FileManager.default.fileExists(atPath: lock.path), "kill -9 cannot remove the lock")
        let third = try Chapters.run("chapter03-gan", ["--epochs", "1", "--no-score", "--output-dir", folder.path])
        #expect(third.status == 0 && third.output.contains("Taking over \(folder.path)") && third.output.contains("process \(first.processIdentifier)"),
                "\(third.output)\(third.errors)")
        #expect(!FileManager.default.fileExists(atPath: lock.path), "a finished run lets go of its folder")
    }
}

@Suite("The smallest data each chapter accepts", .serialized)
struct SmallestDataTests {
    /// One digit, one face, a batch of one: each chapter finishes, writes a report and valid JSON
    /// (a number it cannot compute, such as the variety of one face, is written as undefined), and
    /// its checkpoint resumes.
    @Test func everyChapterFinishesResumesAndWritesValidJSON() throws {
        let oneFace = Chapters.folder("one-face"), cache = Chapters.folder("one-face-cache")
        try FileManager.default.createDirectory(at: oneFace, withIntermediateDirectories: true)
        let face = try #require(FileManager.default.contentsOfDirectory(atPath: FacesChapterTests.faces.path).sorted().first { $0.hasSuffix(".jpg") })
        try? FileManager.default.copyItem(at: FacesChapterTests.faces.appendingPathComponent(face), to: oneFace.appendingPathComponent(face))
        let cases: [(String, [String])] = [
            ("chapter01-autoencoder", ["--limit", "1"]),
            ("chapter01-autoencoder", ["--limit", "3", "--batch-size", "1"]),
            ("chapter02-denoising-autoencoder", ["--limit", "1"]),
            ("chapter03-gan", ["--limit", "1", "--no-score"]),
            ("chapter04-celeba-gan", ["--images", oneFace.path, "--cache-dir", cache.path]),
            ("chapter05-variational-autoencoder", ["--limit", "1", "--no-score"]),
            ("chapter06-dcgan", ["--images", oneFace.path, "--width", "2", "--cache-dir", cache.path]),
            ("chapter06-dcgan", ["--dataset", "mnist", "--limit", "1", "--width", "2", "--no-score"]),
            ("chapter07-wasserstein-gan", ["--limit", "1", "--no-score"]),
            ("chapter07-wasserstein-gan", ["--limit", "1", "--no-score", "--conditional", "--spectral-norm"]),
            ("chapter07-wasserstein-gan", ["--limit", "1", "--no-score", "--clip", "0.01"]),
            ("chapter08-diffusion", ["--limit", "1", "--no-score", "--width", "8", "--steps", "10", "--sampling-steps", "2"]),
            ("chapter08-diffusion", ["--limit", "1", "--no-score", "--width", "8", "--steps", "10", "--conditional",
                                     "--guidance", "2", "--sampler", "ancestral"]),
        ]
        for (index, (program, flags)) in cases.enumerated() {
            let folder = Chapters.folder("smallest-\(index)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let first = try Chapters.run(program, flags + ["--epochs", "1", "--output-dir", folder.path])
            #expect(first.status == 0, "\(program) \(flags): \(first.errors)")
            let resumed = try Chapters.run(program, flags + ["--epochs", "2", "--resume", "--output-dir", folder.path])
            #expect(resumed.status == 0 && resumed.output.contains("Resuming after epoch 1"), "\(program) \(flags): \(resumed.errors)")
            #expect(try Checkpoint(contentsOf: folder.appendingPathComponent("checkpoint.bin")).epoch == 2)
            let report = try String(contentsOf: folder.appendingPathComponent("report.md"), encoding: .utf8)
            #expect(report.contains("**Finished**") && report.contains("| 2 |"), "\(program) \(flags): \(report.prefix(300))")
            for file in ["metrics.json", "outputs.json"] {
                let data = try Data(contentsOf: folder.appendingPathComponent(file))
                #expect((try? JSONSerialization.jsonObject(with: data)) != nil, "\(program) \(flags): \(file) is not valid JSON")
            }
            if flags.contains(oneFace.path) {   // one face: its variety is 0, so the samples' variety is undefined, and says so
                #expect(try RunMetrics(contentsOf: folder).metrics["variety"]?.isNaN == true)
                #expect(String(decoding: try Data(contentsOf: folder.appendingPathComponent("metrics.json")), as: UTF8.self).contains("\"variety\" : \"undefined\""))
                #expect(report.contains("The variety is undefined in this run"))
            }
        }
        let points = Chapters.folder("smallest-points")
        defer { try? FileManager.default.removeItem(at: points) }
        let dynamics = try Chapters.run("gan-dynamics", ["--batch-size", "1", "--steps", "100", "--output-dir", points.path])
        #expect(dynamics.status == 0 && (try? JSONSerialization.jsonObject(with: Data(contentsOf: points.appendingPathComponent("metrics.json")))) != nil,
                "\(dynamics.errors)")
    }
}

@Suite("A write that fails (a full disk)", .serialized)
struct FailedWriteTests {
    let flags = ["--limit", "300", "--epochs", "3", "--threads", "2"]

    /// Chapter 1's files that must come out the same after a failure and --resume as without one.
    func expectSameRun(_ folder: URL, as straight: URL, _ what: String) throws {
        for file in ["reconstructions.png", "epoch-003.png", "loss.dat"] {
            #expect(try Data(contentsOf: folder.appendingPathComponent(file)) == Data(contentsOf: straight.appendingPathComponent(file)),
                    "\(what): \(file) differs from the uninterrupted run's")
        }
        let x = try Checkpoint(contentsOf: straight.appendingPathComponent("checkpoint.bin"))
        let y = try Checkpoint(contentsOf: folder.appendingPathComponent("checkpoint.bin"))
        #expect(y.epoch == 3 && zip(x.tensors, y.tensors).allSatisfy { $0.tensor.values.map(\.bitPattern) == $1.tensor.values.map(\.bitPattern) },
                "\(what): the checkpoint differs from the uninterrupted run's")
    }

    @Test func everyKindOfWriteFailsClearlyAndTheRunResumesByteIdentical() throws {
        let straight = Chapters.folder("write-straight")
        #expect(try Chapters.run("chapter01-autoencoder", flags + ["--output-dir", straight.path]).status == 0)
        // The Nth write of each kind fails as on a full disk (WORKBOOK_FAIL_WRITE, Workbook/Files/Disk.swift).
        for (kind, file, n) in [("checkpoint", "checkpoint.bin", 2), ("report", "report.html", 3), ("chart", "loss.gp", 4), ("picture", "epoch-002.png", 3)] {
            let folder = Chapters.folder("write-fails-\(kind)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let environment = ProcessInfo.processInfo.environment.merging(["WORKBOOK_FAIL_WRITE": "\(kind):\(n)"]) { $1 }
            let failed = try Chapters.run("chapter01-autoencoder", flags + ["--output-dir", folder.path], environment: environment)
            print("injected fault \(kind):\(n) printed: \(Chapters.messages(failed.errors))")
            #expect(failed.status == 1 && failed.errors.contains("cannot write \(folder.appendingPathComponent(file).path): No space left on device")
                    && failed.errors.contains("--resume"), "\(kind): \(failed.errors)")
            #expect(try Checkpoint(contentsOf: folder.appendingPathComponent("checkpoint.bin")).epoch >= 1, "\(kind): no good checkpoint left")
            let report = try String(contentsOf: folder.appendingPathComponent("report.md"), encoding: .utf8)
            #expect(report.hasPrefix("# Chapter 1") && report.contains("| 1 |"), "\(kind): the report is not intact")
            let resumed = try Chapters.run("chapter01-autoencoder", flags + ["--output-dir", folder.path, "--resume"])
            #expect(resumed.status == 0, "\(kind): \(resumed.errors)")
            try expectSameRun(folder, as: straight, kind)
        }
        // The image cache is only a saving of time: a run whose cache cannot be written goes on.
        let faces = Chapters.folder("write-fails-cache"), cache = Chapters.folder("write-fails-cache-folder")
        defer { for folder in [faces, cache] { try? FileManager.default.removeItem(at: folder) } }
        let environment = ProcessInfo.processInfo.environment.merging(["WORKBOOK_FAIL_WRITE": "cache:1"]) { $1 }
        let run = try Chapters.run("chapter04-celeba-gan", ["--images", FacesChapterTests.faces.path, "--epochs", "1", "--batch-size", "16",
                                                            "--cache-dir", cache.path, "--output-dir", faces.path], environment: environment)
        print("injected fault cache:1 printed: \(Chapters.messages(run.errors))")
        #expect(run.status == 0 && run.errors.contains("could not be cached") && run.errors.contains("No space left on device"), "\(run.errors)")
    }

    /// On a real full disk: a 4 MB filesystem holds chapter 1's first checkpoint (2.7 MB), not a
    /// second one beside it. Needs root (to mount it); skipped elsewhere.
    @Test(.enabled(if: getuid() == 0)) func aRealFullDiskStopsTheRunAndMoreSpaceLetsItFinish() throws {
        let disk = Chapters.folder("small-disk"), straight = Chapters.folder("small-disk-straight")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        func mount(_ arguments: [String]) -> Bool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/mount")
            process.arguments = arguments
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return false }
            process.waitUntilExit()
            return process.terminationStatus == 0
        }
        guard mount(["-t", "tmpfs", "-o", "size=4m", "tmpfs", disk.path]) else { print("no tmpfs could be mounted: the real full disk is not tested here"); return }
        defer {
            let umount = Process()
            umount.executableURL = URL(fileURLWithPath: "/bin/umount")
            umount.arguments = [disk.path]
            if (try? umount.run()) != nil { umount.waitUntilExit() }
        }
        #expect(try Chapters.run("chapter01-autoencoder", flags + ["--output-dir", straight.path]).status == 0)
        let folder = disk.appendingPathComponent("run")
        let full = try Chapters.run("chapter01-autoencoder", flags + ["--output-dir", folder.path])
        print("a real full disk printed: \(Chapters.messages(full.errors))")
        #expect(full.status == 1 && full.errors.contains("No space left on device") && full.errors.contains("checkpoint.bin"), "\(full.errors)")
        #expect(try Checkpoint(contentsOf: folder.appendingPathComponent("checkpoint.bin")).epoch == 1)
        #expect(mount(["-o", "remount,size=32m", disk.path]))
        let resumed = try Chapters.run("chapter01-autoencoder", flags + ["--output-dir", folder.path, "--resume"])
        #expect(resumed.status == 0, "\(resumed.errors)")
        try expectSameRun(folder, as: straight, "a real full disk")
    }
}

@Suite("Chapters 1 and 2 end to end", .serialized)
struct AutoencoderChapterTests {
    @Test func chapterOneWritesItsOutputs() throws {
        let folder = Chapters.folder()
        let result = try Chapters.run("chapter01-autoencoder", ["--epochs", "1", "--limit", "200", "--output-dir", folder.path])
        #expect(result.status == 0, "\(result.errors)")
        for file in ["epoch-001.png", "reconstructions.png", "loss.dat", "loss.gp", "report.md"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file) missing")
        }
        let grid = try PNG.read(folder.appendingPathComponent("reconstructions.png"))
        #expect(grid.width == 2 * (10 * 30 + 2) && grid.height == 2 * (4 * 30 + 2))   // 2 per digit: 4 rows of 10, drawn 2x
        let small = Chapters.folder("zoom-one")
        #expect(try Chapters.run("chapter01-autoencoder", ["--epochs", "1", "--limit", "200", "--zoom", "1", "--output-dir", small.path]).status == 0)
        let plain = try PNG.read(small.appendingPathComponent("reconstructions.png"))
        #expect(plain.width == 10 * 30 + 2 && plain.height == 4 * 30 + 2)
        #expect(plain.pixels[(5 * plain.width + 7)] == grid.pixels[(10 * grid.width + 14)])   // the same picture, pixel for pixel
    }

    @Test func aRunComparesItselfWithTheReferenceRun() throws {
        // The reference lives where a reader's checkout keeps it: output/reference/<chapter>/ under
        // the folder the program runs in. A second run with the same flags matches it byte for
        // byte, on another thread count too; one with another seed is told why it differs.
        let reference = Chapters.workingFolder.appendingPathComponent("output/reference/chapter01-autoencoder")
        defer { try? FileManager.default.removeItem(at: reference) }
        let flags = ["--epochs", "1", "--limit", "300"]
        #expect(try Chapters.run("chapter01-autoencoder", flags + ["--threads", "2", "--output-dir", reference.path]).status == 0)
        let same = Chapters.folder("compare-same"), other = Chapters.folder("compare-other")
        let a = try Chapters.run("chapter01-autoencoder", flags + ["--threads", "1", "--output-dir", same.path])
        #expect(a.output.contains("Compared with the reference run: matches the reference"), "\(a.output)")
        let report = try String(contentsOf: same.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("### Compared with the reference run") && report.contains("reconstructions.png: identical, byte for byte"))
        let b = try Chapters.run("chapter01-autoencoder", flags + ["--seed", "2", "--output-dir", other.path])
        #expect(b.output.contains("another seed (2, reference 1)"), "\(b.output)")
        let compared = try Chapters.run("compare", [other.path])
        #expect(compared.status == 0 && compared.output.contains("another seed") && compared.output.contains("test MSE:"), "\(compared.output)\(compared.errors)")
        let missing = try Chapters.run("compare", [Chapters.folder("compare-nothing").path])
        #expect(missing.status == 1 && missing.errors.contains("metrics.json is missing"))
    }

    @Test func compareNamesOtherDataAsTheReason() throws {
        // The same flags on other images (another data folder in the same format, as Fashion-MNIST
        // linked in as mnist/ would be): compare says the data differ, not only the numbers.
        let reference = Chapters.workingFolder.appendingPathComponent("output/reference/chapter01-autoencoder")
        defer { try? FileManager.default.removeItem(at: reference) }
        let flags = ["--epochs", "1", "--limit", "300"]
        #expect(try Chapters.run("chapter01-autoencoder", flags + ["--output-dir", reference.path]).status == 0)
        let other = Chapters.folder("compare-other-data")
        let result = try Chapters.run("chapter01-autoencoder", flags + ["--output-dir", other.path, "--data-dir", Chapters.makeDataRoot(seed: 6).path])
        #expect(result.output.contains("differs from the reference, as expected: other data (fingerprint"), "\(result.output)")
        let metrics = try RunMetrics(contentsOf: other)
        #expect(metrics.data?.count == 33, "\(metrics.data ?? "no fingerprint")")   // two 16-digit fingerprints: training and test images
    }

    @Test func ctrlCInChapterOneSavesAndTheRunResumesBitForBit() throws {
        let straight = Chapters.folder("ae-straight"), stopped = Chapters.folder("ae-stopped"), resumed = Chapters.folder("ae-resumed")
        // 40 steps an epoch on the synthetic digits, 60 epochs: about a second, stopped a third of the way.
        let arguments = ["--epochs", "60", "--batch-size", "8", "--threads", "2"]
        let a = try Chapters.run("chapter01-autoencoder", arguments + ["--output-dir", straight.path])
        #expect(a.status == 0, "\(a.errors)")
        let b = try Chapters.interrupt("chapter01-autoencoder", arguments + ["--output-dir", stopped.path], after: "Training for ", delay: 0.3)
        #expect(b.status == 130 && b.output.contains("Stopped in epoch") && b.output.contains("--resume"), "status \(b.status): \(b.output)")
        let c = try Chapters.run("chapter01-autoencoder", arguments + ["--output-dir", stopped.path, "--resume"])
        #expect(c.status == 0 && c.output.contains("Resuming in epoch"), "\(c.output)\(c.errors)")
        for file in ["epoch-060.png", "reconstructions.png", "loss.dat"] {
            let one = try Data(contentsOf: straight.appendingPathComponent(file))
            let two = try Data(contentsOf: stopped.appendingPathComponent(file))
            #expect(one == two, "\(file) differs after Ctrl-C and --resume")
        }
        // Chapter 2 resumes after a finished epoch as well.
        let d1 = try Chapters.run("chapter02-denoising-autoencoder", ["--epochs", "1", "--output-dir", resumed.path])
        let d2 = try Chapters.run("chapter02-denoising-autoencoder", ["--epochs", "2", "--resume", "--output-dir", resumed.path])
        let d = try Chapters.run("chapter02-denoising-autoencoder", ["--epochs", "2", "--output-dir", straight.path])
        #expect(d1.status == 0 && d2.status == 0 && d.status == 0 && d2.output.contains("Resuming after epoch 1"),
                "\(d1.errors)\(d2.output)\(d2.errors)\(d.errors)")
        #expect(try Data(contentsOf: straight.appendingPathComponent("denoising.png")) == (try Data(contentsOf: resumed.appendingPathComponent("denoising.png"))))
    }

    @Test func withoutGnuplotTheChartFilesStayAndOneWarningSaysSo() throws {
        let folder = Chapters.folder()
        let result = try Chapters.run("chapter01-autoencoder", ["--epochs", "1", "--limit", "100", "--output-dir", folder.path],
                                      environment: ["PATH": "/nonexistent"])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.errors.components(separatedBy: "gnuplot is not installed").count == 2, "expected one warning: \(result.errors)")
        #expect(result.errors.contains("gnuplot loss.gp"))
        for file in ["loss.dat", "loss.gp", "reconstructions.png", "report.md"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file) missing")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("loss.png").path))
        let report = try String(contentsOf: folder.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(!report.contains("loss.png"), "the report links a chart that was not drawn")
        #expect(report.contains("the loss chart is drawn by gnuplot, which this run did not find"), "the report says why the chart is missing")
    }

    @Test func chapterTwoBeatsItsNoisyBaselineAndRefusesBadNoise() throws {
        let folder = Chapters.folder()
        let result = try Chapters.run("chapter02-denoising-autoencoder", ["--epochs", "2", "--limit", "320", "--output-dir", folder.path])
        #expect(result.status == 0, "\(result.errors)")
        let grid = try PNG.read(folder.appendingPathComponent("denoising.png"))
        #expect(grid.height == 2 * (3 * 30 + 2))   // noisy, denoised, clean, drawn 2x
        let report = try String(contentsOf: folder.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("test PSNR (dB)"))
        for (arguments, fragment) in [(["--noise", "salt"], "salt"), (["--noise", "masking", "--noise-level", "1.5"], "fraction in (0, 1)"),
                                      (["--noise", "none", "--noise-level", "0.3"], "no meaning")] {
            let bad = try Chapters.run("chapter02-denoising-autoencoder", arguments + ["--output-dir", folder.path])
            #expect(bad.status != 0 && bad.errors.contains(fragment), "\(arguments): \(bad.errors)")
        }
    }
}

@Suite("Chapter 4 end to end", .serialized)
struct FacesChapterTests {
    /// A folder of 40 small "faces" (a skin-coloured oval on a random background, in JPEG, one in
    /// PNG), one truncated JPEG, one text file named like a JPEG, and a README.
    static let faces: URL = {
        let folder = Chapters.folder("faces-data")
        try! FileManager.default.createDirectory(at: folder.appendingPathComponent("part2"), withIntermediateDirectories: true)
        let rng = RandomGenerator(seed: 9)
        for i in 0..<40 {
            let width = 80 + rng.index(below: 20), height = 100 + rng.index(below: 20)
            let background = (0..<3).map { _ in UInt8(rng.index(below: 256)) }
            var pixels: [UInt8] = []
            for y in 0..<height {
                for x in 0..<width {
                    let dx = Double(x - width / 2) / Double(width / 3), dy = Double(y - height / 2) / (Double(height) / 2.5)
                    pixels += dx * dx + dy * dy < 1 ? [224, 172, 140] : background
                }
            }
            let name = (i % 2 == 0 ? "part2/" : "") + String(format: "%06d", i)
            if i == 7 {
                try! PNG.encode(Image(width: width, height: height, channels: 3, pixels: pixels)).write(to: folder.appendingPathComponent(name + ".png"))
            } else {
                let jpeg = try! JPEG.encode(pixels, width: width, height: height, components: 3)
                try! jpeg.write(to: folder.appendingPathComponent(name + ".jpg"))
                if i == 0 { try! jpeg.prefix(jpeg.count / 2).write(to: folder.appendingPathComponent("cut-short.jpg")) }
            }
        }
        try! Data("<html>quota exceeded</html>".utf8).write(to: folder.appendingPathComponent("download.jpg"))
        try! Data("faces".utf8).write(to: folder.appendingPathComponent("README"))
        return folder
    }()

    func arguments(_ output: URL, epochs: Int) -> [String] {
        ["--images", Self.faces.path, "--batch-size", "16", "--epochs", "\(epochs)", "--threads", "2",
         "--cache-dir", Chapters.folder("faces-cache").path, "--output-dir", output.path]
    }

    @Test func trainsResumesBitForBitAndDraws() throws {
        let straight = Chapters.folder("faces-straight"), resumed = Chapters.folder("faces-resumed")
        defer { for f in [straight, resumed] { try? FileManager.default.removeItem(at: f) } }
        let a = try Chapters.run("chapter04-celeba-gan", arguments(straight, epochs: 2))
        #expect(a.status == 0, "\(a.errors)")
        #expect(a.output.contains("40 images") && a.output.contains("2 files skipped"), "\(a.output)")
        let b1 = try Chapters.run("chapter04-celeba-gan", arguments(resumed, epochs: 1))
        #expect(b1.status == 0 && b1.output.contains("from the cache"), "\(b1.output)\(b1.errors)")
        let b2 = try Chapters.run("chapter04-celeba-gan", arguments(resumed, epochs: 2) + ["--resume"])
        #expect(b2.status == 0 && b2.output.contains("Resuming after epoch 1"), "\(b2.errors)")
        for file in ["epoch-002.png", "samples.png", "interpolation.png", "loss.dat", "real.png"] {
            let one = try Data(contentsOf: straight.appendingPathComponent(file))
            let two = try Data(contentsOf: resumed.appendingPathComponent(file))
            #expect(one == two, "\(file) differs after a resume")
        }
        let samples = try PNG.read(straight.appendingPathComponent("samples.png"))
        #expect(samples.channels == 3 && samples.width == 8 * 66 + 2 && samples.height == 8 * 66 + 2)
        let report = try String(contentsOf: straight.appendingPathComponent("report.md"), encoding: .utf8)
        for fragment in ["cut-short.jpg", "truncated JPEG", "download.jpg", "not an image", "1 other files", "| 2 |", "peak memory", "](real.png)"] {
            #expect(report.contains(fragment), "the report lacks «\(fragment)»")
        }
        let drawn = try Chapters.run("chapter04-celeba-gan", ["--generate", "5", "--output-dir", straight.path])
        #expect(drawn.status == 0, "\(drawn.errors)")
        let face = try PNG.read(straight.appendingPathComponent("generated/000005.png"))
        #expect(face.width == 64 && face.height == 64 && face.channels == 3)
    }

    @Test func killedAtAnyMomentTheCheckpointIsTheOldOneOrTheNewOneNeverHalf() throws {
        // Chapter 4's checkpoint is 300 MB, so a good share of a run is spent writing it: kill
        // runs at many moments and read whatever checkpoint.bin is left each time.
        let output = Chapters.folder("faces-killed")
        defer { try? FileManager.default.removeItem(at: output) }
        // A first checkpoint, then runs that continue it and are killed at different moments.
        let first = try Chapters.run("chapter04-celeba-gan", arguments(output, epochs: 1))
        #expect(first.status == 0, "\(first.errors)")
        let file = output.appendingPathComponent("checkpoint.bin")
        var kills = 0, duringWrite = 0, readable = 0
        for delay in [0.6, 1.0, 1.4, 1.8, 2.3, 2.8, 3.4, 4.0] {
            try Chapters.killAfter(delay, "chapter04-celeba-gan", arguments(output, epochs: 1000) + ["--resume"])
            kills += 1
            let names = (try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []
            if names.contains(where: { $0.hasSuffix(".partial") }) { duringWrite += 1 }
            let checkpoint = try Checkpoint(contentsOf: file)       // throws if missing or damaged: the test fails
            #expect(checkpoint.epoch >= 1)
            readable += 1
        }
        print("kill test: \(kills) runs killed, \(duringWrite) while writing a checkpoint; afterwards \(readable) checkpoints readable, 0 damaged")
        // The next run clears the partial files the killed ones left.
        let finished = try Chapters.run("chapter04-celeba-gan", arguments(output, epochs: 1000).map { $0 == "1000" ? "1" : $0 })
        #expect(finished.status == 0, "\(finished.errors)")
        let left = try FileManager.default.contentsOfDirectory(atPath: output.path).filter { $0.hasSuffix(".partial") }
        #expect(left.isEmpty, "partial files left: \(left)")
    }

    @Test func missingOrEmptyFoldersAndBadFlagsAreClearErrors() throws {
        let empty = Chapters.folder("faces-empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let output = Chapters.folder("faces-errors")
        let none = try Chapters.run("chapter04-celeba-gan", ["--images", empty.path, "--output-dir", output.path])
        #expect(none.status == 1 && none.errors.contains("no .jpg, .jpeg or .png files") && none.errors.contains("img_align_celeba"), "\(none.errors)")
        // Without --images the faces are looked for in celeba/ under the data folder (absent here).
        let missing = try Chapters.run("chapter04-celeba-gan", ["--output-dir", output.path])
        #expect(missing.status == 1 && missing.errors.contains("celeba does not exist") && missing.errors.contains("Kaggle"), "\(missing.errors)")
        for (flags, fragment) in [(["--epochs", "0"], "--epochs"), (["--batch-size", "0"], "--batch-size"), (["--lr", "20"], "--lr must be above 0 and at most 10"),
                                  (["--generate", "0"], "--generate")] {
            let result = try Chapters.run("chapter04-celeba-gan", flags + ["--output-dir", output.path])
            #expect(result.status != 0 && result.errors.contains(fragment), "\(flags): \(result.errors)")
        }
    }
}

@Suite("Chapter 6 end to end", .serialized)
struct DCGANChapterTests {
    /// Faces (chapter 4's synthetic folder) or the synthetic digits, at width 4 so that a run takes seconds.
    func arguments(_ dataset: String, _ output: URL, epochs: Int, threads: Int) -> [String] {
        (dataset == "celeba" ? ["--images", FacesChapterTests.faces.path, "--batch-size", "16", "--cache-dir", Chapters.folder("dcgan-cache").path]
                             : ["--dataset", "mnist", "--limit", "192", "--batch-size", "64"])
            + ["--width", "4", "--epochs", "\(epochs)", "--threads", "\(threads)", "--output-dir", output.path]
    }

    /// Three epochs straight on one thread equal one epoch on two threads and two more, resumed, on one.
    @Test(arguments: ["celeba", "mnist"])
    func resumingOnOtherThreadCountsGivesTheUninterruptedRunBitForBit(dataset: String) throws {
        let straight = Chapters.folder("dcgan-straight-" + dataset), resumed = Chapters.folder("dcgan-resumed-" + dataset)
        defer { for f in [straight, resumed] { try? FileManager.default.removeItem(at: f) } }
        let a = try Chapters.run("chapter06-dcgan", arguments(dataset, straight, epochs: 3, threads: 1))
        #expect(a.status == 0, "\(a.errors)")
        let b1 = try Chapters.run("chapter06-dcgan", arguments(dataset, resumed, epochs: 1, threads: 2))
        #expect(b1.status == 0, "\(b1.errors)")
        let b2 = try Chapters.run("chapter06-dcgan", arguments(dataset, resumed, epochs: 3, threads: 1) + ["--resume"])
        #expect(b2.status == 0 && b2.output.contains("Resuming after epoch 1"), "\(b2.output)\(b2.errors)")
        var files = ["epoch-002.png", "epoch-003.png", "samples.png", "interpolation.png", "progress.png", "real.png", "loss.dat", "variety.dat"]
        if dataset == "mnist" { files += ["frechet.dat", "digits.dat"] }
        for file in files {
            let one = try Data(contentsOf: straight.appendingPathComponent(file))
            let two = try Data(contentsOf: resumed.appendingPathComponent(file))
            #expect(one == two, "\(file) differs after a resume on other threads")
        }
        let x = try Checkpoint(contentsOf: straight.appendingPathComponent("checkpoint.bin"))
        let y = try Checkpoint(contentsOf: resumed.appendingPathComponent("checkpoint.bin"))
        #expect(x.epoch == 3 && y.epoch == 3 && x.tensors.count == y.tensors.count)
        // BatchNorm's running averages are saved and restored too: G draws its pictures with them.
        #expect(x.tensors.contains { $0.name.hasPrefix("G.buffer.") } && x.tensors.contains { $0.name.hasPrefix("D.buffer.") })
        for (p, q) in zip(x.tensors, y.tensors) {
            #expect(p.name == q.name && p.tensor.values.map(\.bitPattern) == q.tensor.values.map(\.bitPattern), "\(p.name) differs")
        }
        let side = dataset == "celeba" ? 64 : 32, zoom = dataset == "celeba" ? 1 : 2
        let samples = try PNG.read(straight.appendingPathComponent("samples.png"))
        #expect(samples.channels == (dataset == "celeba" ? 3 : 1) && samples.width == zoom * (8 * (side + 2) + 2))
        let report = try String(contentsOf: straight.appendingPathComponent("report.md"), encoding: .utf8)
        for fragment in ["| 3 |", "peak memory", "| parameters of G / D |", dataset == "celeba" ? "3x64x64" : "| Fréchet distance |"] {
            #expect(report.contains(fragment), "the report lacks «\(fragment)»")
        }
    }

    @Test func generatedFacesAndDigitsReadBack() throws {
        for dataset in ["celeba", "mnist"] {
            let folder = Chapters.folder("dcgan-generate-" + dataset)
            defer { try? FileManager.default.removeItem(at: folder) }
            // Enough steps (36) for BatchNorm's running averages, which G draws with, to leave their start (mean 0, variance 1).
            let trained = try Chapters.run("chapter06-dcgan", arguments(dataset, folder, epochs: 3, threads: 2).map { $0 == "64" ? "16" : $0 } + ["--no-score"])
            #expect(trained.status == 0, "\(trained.errors)")
            let drawn = try Chapters.run("chapter06-dcgan", (dataset == "mnist" ? ["--dataset", "mnist"] : [])
                                         + ["--width", "4", "--generate", "30", "--output-dir", folder.path])
            #expect(drawn.status == 0, "\(drawn.errors)")
            if dataset == "celeba" {
                let face = try PNG.read(folder.appendingPathComponent("generated/000030.png"))
                #expect(face.width == 64 && face.height == 64 && face.channels == 3)
            } else {   // MNIST's format and size: any MNIST reader (and score-digits) loads it
                let idx = try IDXArray(contentsOf: folder.appendingPathComponent("generated-idx3-ubyte"))
                #expect(idx.dimensions == [30, 28, 28] && Set(idx.bytes).count > 10)
            }
            // Another width cannot load this G: the message says what to pass.
            let wrong = try Chapters.run("chapter06-dcgan", (dataset == "mnist" ? ["--dataset", "mnist"] : [])
                                         + ["--width", "8", "--generate", "3", "--output-dir", folder.path])
            #expect(wrong.status == 1 && wrong.errors.contains("width"), "\(wrong.errors)")
        }
    }

    @Test func badFlagsAreRefusedClearly() throws {
        let output = Chapters.folder("dcgan-errors")
        for (flags, fragment) in [(["--width", "0"], "--width must be between 1 and 256 (got 0)"),
                                  (["--width", "300"], "--width must be between 1 and 256 (got 300)"),
                                  (["--dataset", "cifar"], "The value 'cifar' is invalid for '--dataset <dataset>'"),
                                  (["--dataset", "mnist", "--images", "/tmp"], "--images goes with --dataset celeba"),
                                  (["--beside", ""], "--beside needs a folder")] {
            let result = try Chapters.run("chapter06-dcgan", flags + ["--output-dir", output.path])
            #expect(result.status != 0 && result.errors.contains(fragment), "\(flags): \(result.errors)")
        }
        let help = try Chapters.run("chapter06-dcgan", ["--help"])
        #expect(help.output.contains("celeba") && help.output.contains("mnist"), "\(help.output)")
    }
}

@Suite("Appendix C end to end", .serialized)
struct GANDynamicsTests {
    /// The same run on one thread and on two writes the same files, byte for byte; its numbers
    /// agree with its own samples.
    @Test func theRingIsReproducibleAcrossThreadsAndCountsItsOwnSamples() throws {
        let one = Chapters.folder("dynamics-one"), two = Chapters.folder("dynamics-two")
        defer { for f in [one, two] { try? FileManager.default.removeItem(at: f) } }
        for (folder, threads) in [(one, "1"), (two, "2")] {
            let result = try Chapters.run("gan-dynamics", ["--steps", "400", "--every", "100", "--minibatch-deviation", "--threads", threads,
                                                           "--output-dir", folder.path])
            #expect(result.status == 0 && result.output.contains("of 8 modes"), "\(result.output)\(result.errors)")
        }
        for file in ["step-0000000.png", "step-0000400.png", "snapshots.png", "samples.dat", "coverage.dat", "loss.dat"] {
            #expect(try Data(contentsOf: one.appendingPathComponent(file)) == Data(contentsOf: two.appendingPathComponent(file)), "\(file) differs between 1 and 2 threads")
        }
        // samples.dat holds 2,000 points; counted again here, they cover what metrics.json says.
        let lines = try String(contentsOf: one.appendingPathComponent("samples.dat"), encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.count == 2000)
        let points = Tensor(shape: [lines.count, 2], values: lines.flatMap { $0.split(separator: " ").map { Float(String($0))! } })
        let metrics = try RunMetrics(contentsOf: one)
        #expect(Double(ToyDistribution.ring.coverage(of: points).covered) == metrics.metrics["modes covered"])
        #expect(metrics.chapter == "gan-dynamics-ring" && metrics.command.hasPrefix("swift run gan-dynamics"))
        let picture = try PNG.read(one.appendingPathComponent("step-0000400.png"))
        #expect(picture.width == 300 && picture.height == 300 && picture.channels == 3)
        let report = try String(contentsOf: one.appendingPathComponent("report.md"), encoding: .utf8)
        for fragment in ["| 400 |", "modes covered", "](snapshots.png)", "minibatch deviation | true", "# Appendix C"] {
            #expect(report.contains(fragment), "the report lacks «\(fragment)»")
        }
    }

    @Test func theLineDrawsItsStripAndDFlattensTowardsOneHalf() throws {
        let folder = Chapters.folder("dynamics-line")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try Chapters.run("gan-dynamics", ["--data", "line", "--steps", "800", "--every", "100", "--output-dir", folder.path])
        #expect(result.status == 0, "\(result.errors)")
        let strip = try PNG.read(folder.appendingPathComponent("snapshots.png"))
        #expect(strip.width > 3 * strip.height, "the strip is \(strip.width) x \(strip.height)")
        // D's distance from 1/2 over the data: from the untrained D's to far less after 800 steps.
        let table = try #require(RunOutputs(folder: folder)?["snapshots"]).markdown
        let rows = table.split(separator: "\n").filter { $0.hasPrefix("| 0 |") || $0.hasPrefix("| 800 |") }
        let distances = rows.compactMap { Double($0.split(separator: "|").last!.trimmingCharacters(in: .whitespaces)) }
        #expect(distances.count == 2 && distances[1] < distances[0] / 3, "\(rows)")
    }

    @Test func badFlagsAreRefusedClearly() throws {
        let output = Chapters.folder("dynamics-errors")
        for (flags, fragment) in [(["--data", "spiral"], "The value 'spiral' is invalid for '--data <data>'"),
                                  (["--steps", "10"], "--steps must be between 100 and 1000000 (got 10)"),
                                  (["--steps", "200", "--every", "300"], "--every must be between 1 and the steps (got 300)"),
                                  (["--latent", "0"], "--latent must be between 1 and 64 (got 0)"),
                                  (["--d-lr", "0"], "--d-lr must be above 0 and at most 10 (got 0.0)"),
                                  (["--instance-noise", "nan"], "--instance-noise must be between 0 and 10"),
                                  (["--batch-size", "1", "--minibatch-deviation"], "--minibatch-deviation needs a batch of 2 or more"),
                                  (["--limit", "5"], "--limit and --data-dir do not apply")] {
            let result = try Chapters.run("gan-dynamics", flags + ["--output-dir", output.path])
            #expect(result.status != 0 && result.errors.contains(fragment), "\(flags): \(result.errors)")
        }
    }
}

@Suite("Chapter 5 end to end", .serialized)
struct VAEChapterTests {
    let common = ["--limit", "256", "--batch-size", "64", "--threads", "2"]

    @Test func resumingGivesTheUninterruptedRunBitForBit() throws {
        let straight = Chapters.folder("vae-straight"), resumed = Chapters.folder("vae-resumed")
        let a = try Chapters.run("chapter05-variational-autoencoder", common + ["--epochs", "3", "--output-dir", straight.path])
        #expect(a.status == 0, "\(a.errors)")
        let b1 = try Chapters.run("chapter05-variational-autoencoder", common + ["--epochs", "1", "--output-dir", resumed.path])
        #expect(b1.status == 0, "\(b1.errors)")
        let b2 = try Chapters.run("chapter05-variational-autoencoder", common + ["--epochs", "3", "--resume", "--output-dir", resumed.path])
        #expect(b2.status == 0 && b2.output.contains("Resuming after epoch 1"), "\(b2.errors)")
        for picture in ["epoch-002.png", "epoch-003.png", "samples.png", "reconstructions.png", "interpolation.png", "progress.png"] {
            let one = try Data(contentsOf: straight.appendingPathComponent(picture))
            let two = try Data(contentsOf: resumed.appendingPathComponent(picture))
            #expect(one == two, "\(picture) differs after a resume")
        }
        let x = try Checkpoint(contentsOf: straight.appendingPathComponent("checkpoint.bin"))
        let y = try Checkpoint(contentsOf: resumed.appendingPathComponent("checkpoint.bin"))
        #expect(x.epoch == 3 && y.epoch == 3 && x.randomState == y.randomState)
        #expect(x.tensors.count == y.tensors.count && x.tensors.count == 10 + 20)   // 10 weights and biases, Adam's m and v for each
        for (p, q) in zip(x.tensors, y.tensors) {
            #expect(p.name == q.name && p.tensor.values.map(\.bitPattern) == q.tensor.values.map(\.bitPattern), "\(p.name) differs")
        }
        let (p, q) = (try history(x, of: VAEEpoch.self), try history(y, of: VAEEpoch.self))
        #expect(p.count == 3 && p.compactMap(\.score).count == 3)
        #expect(p.map(\.training) == q.map(\.training) && p.map(\.test) == q.map(\.test) && p.map(\.score) == q.map(\.score))
        #expect(p[2].test.loss < p[0].test.loss, "the test loss did not fall: \(p.map(\.test.loss))")
        for record in p {   // the parts add up, and each is a real number of nats
            #expect(abs(record.test.reconstruction + record.test.divergence - record.test.loss) < 1e-9 && record.test.divergence > 0)
        }
        for chart in ["loss.dat", "frechet.dat", "digits.dat"] {
            let one = try String(contentsOf: straight.appendingPathComponent(chart), encoding: .utf8)
            let two = try String(contentsOf: resumed.appendingPathComponent(chart), encoding: .utf8)
            #expect(one == two && one.split(separator: "\n").filter { !$0.hasPrefix("#") }.count >= 3, "\(chart) differs after a resume, or has no data")
        }
        let report = try String(contentsOf: resumed.appendingPathComponent("report.md"), encoding: .utf8)
        for section in ["](reconstructions.png)", "](samples.png)", "](loss.png)", "| Fréchet distance |", "| 3 |",
                        "The run to compare with was not found at `output/reference/chapter03-gan`: pass `--gan-reference <folder>`"] {
            #expect(report.contains(section), "the report lacks \(section)")
        }
        let metrics = try RunMetrics(contentsOf: resumed)
        #expect(metrics.metrics["test loss"] == p[2].test.loss && metrics.pictures == ["samples.png", "reconstructions.png"])
    }

    @Test func aTwoNumberCodeDrawsItsMapAndTheCodesOfTheTestDigits() throws {
        let folder = Chapters.folder("vae-map")
        let result = try Chapters.run("chapter05-variational-autoencoder", common + ["--epochs", "1", "--latent", "2", "--no-score", "--output-dir", folder.path])
        #expect(result.status == 0, "\(result.errors)")
        let map = try PNG.read(folder.appendingPathComponent("manifold.png"))
        #expect(map.width == 2 * (20 * 30 + 2) && map.height == map.width, "a 20 x 20 grid at zoom 2")
        // codes.dat: one block of points per digit (the synthetic test set has 10 of each)
        let points = try String(contentsOf: folder.appendingPathComponent("codes.dat"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(points.count == 100, "\(points.count) points")
        let report = try String(contentsOf: folder.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("](manifold.png)") && report.contains("](codes.png)"))
    }

    @Test func theConditionalVariantDrawsOneRowPerDigitAndGeneratesByDigit() throws {
        let folder = Chapters.folder("vae-conditional")
        let result = try Chapters.run("chapter05-variational-autoencoder", common + ["--epochs", "1", "--conditional", "--no-score", "--output-dir", folder.path])
        #expect(result.status == 0, "\(result.errors)")
        let samples = try PNG.read(folder.appendingPathComponent("samples.png"))
        #expect(samples.width == 2 * (8 * 30 + 2) && samples.height == 2 * (10 * 30 + 2), "10 rows of 8")
        let report = try String(contentsOf: folder.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("| conditional | true |"), "the settings table names the conditional variant")

        let drawn = try Chapters.run("chapter05-variational-autoencoder", ["--generate", "30", "--conditional", "--output-dir", folder.path])
        #expect(drawn.status == 0 && drawn.output.contains("Drew 30 samples"), "\(drawn.errors)")
        let idx = try IDXArray(contentsOf: folder.appendingPathComponent("generated-idx3-ubyte"))
        #expect(idx.dimensions == [30, 28, 28] && Set(idx.bytes).count > 10)
        let unconditional = try Chapters.run("chapter05-variational-autoencoder", ["--generate", "30", "--output-dir", folder.path])
        #expect(unconditional.status != 0 && unconditional.errors.contains("trained with conditional true"), "\(unconditional.errors)")
    }

    @Test func badFlagsAreRefusedWithClearMessages() throws {
        let cases: [([String], String)] = [
            (["--beta", "-1"], "--beta must be between 0 and 100 (got -1.0)"),
            (["--beta", "nan"], "--beta must be between 0 and 100"),
            (["--latent", "0"], "--latent must be between 1 and 100 (got 0)"),
            (["--latent", "101"], "--latent must be between 1 and 100 (got 101)"),
            (["--latent", "two"], "The value 'two' is invalid for '--latent <Z>'"),
            (["--generate", "5", "--resume"], "--resume trains and --generate does not"),
        ]
        for (arguments, message) in cases {
            let result = try Chapters.run("chapter05-variational-autoencoder", arguments + ["--output-dir", Chapters.folder("vae-bad").path])
            #expect(result.status != 0 && result.errors.contains(message), "\(arguments): «\(result.errors)»")
        }
    }
}

@Suite("Appendix A end to end", .serialized)
struct ScoreDigitsTests {
    @Test func calibrationPutsRealDigitsFarBelowNoiseAndRefusesABadFile() throws {
        let output = Chapters.folder("score-digits"), cache = Chapters.folder("score-cache")
        let result = try Chapters.run("score-digits", ["--output-dir", output.path, "--cache-dir", cache.path])
        #expect(result.status == 0, "\(result.errors)")
        func frechet(_ name: String) -> Double? {
            result.output.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .flatMap { Double($0.split(separator: " ")[$0.split(separator: " ").firstIndex(of: "distance")! + 1].dropLast()) }
        }
        let real = try #require(frechet("real training digits")), noise = try #require(frechet("uniform noise"))
        #expect(real < noise / 10, "real digits \(real), noise \(noise)")
        let report = try String(contentsOf: output.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.hasPrefix("# Appendix A") && report.contains("| one digit, repeated |"), "\(report.prefix(300))")
        let bad = try Chapters.run("score-digits", ["--output-dir", output.path, "--cache-dir", cache.path,
                                                     "--idx", output.appendingPathComponent("report.md").path])
        #expect(bad.status == 1 && bad.errors.contains("report.md"), "\(bad.errors)")
    }
}

@Suite("Every program's command line", .serialized)
struct CommandLineTests {
    static let programs = ["chapter01-autoencoder", "chapter02-denoising-autoencoder", "chapter03-gan", "chapter04-celeba-gan",
                           "chapter05-variational-autoencoder", "chapter06-dcgan", "chapter07-wasserstein-gan",
                           "chapter08-diffusion", "gan-dynamics", "score-digits", "compare", "bench"]
    /// A bad value of each shared flag, and the message every program that has the flag must give.
    static let badValues: [(flag: String, value: String, message: String)] = [
        ("--threads", "0", "--threads must be between 1 and 256 (got 0)"),
        ("--epochs", "0", "--epochs must be between 1 and 10000 (got 0)"),
        ("--batch-size", "0", "--batch-size must be between 1 and 60000 (got 0)"),
        ("--lr", "0", "--lr must be above 0 and at most 10 (got 0.0)"),
        ("--limit", "0", "--limit must be at least 1 (got 0)"),
        ("--generate", "0", "--generate takes a number of samples from 1 to 1000000"),
        ("--cache-dir", "", "--cache-dir needs a folder"),
        ("--seed", "abc", "The value 'abc' is invalid for '--seed <seed>'"),
        ("--runs", "0", "--runs must be between 1 and 1000 (got 0)"),
        ("--zoom", "0", "--zoom must be between 1 and 8 (got 0)"),
    ]

    @Test func everyProgramExplainsItselfAndRefusesBadSharedFlags() throws {
        var checked = 0
        for program in Self.programs {
            let help = try Chapters.run(program, ["--help"])
            #expect(help.status == 0 && help.output.contains("USAGE: \(program)"), "\(program) --help: \(help.output)\(help.errors)")
            // The flags the program declares: its help's option lines.
            let declared = help.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            for (flag, value, message) in Self.badValues where declared.contains(where: { $0.hasPrefix(flag + " ") }) {
                let output = declared.contains { $0.hasPrefix("--output-dir ") } ? ["--output-dir", Chapters.folder("flags").path] : []
                let result = try Chapters.run(program, [flag, value] + output)
                #expect(result.status != 0 && result.errors.contains(message), "\(program) \(flag) \(value): «\(result.errors)»")
                checked += 1
            }
        }
        print("command lines: \(checked) bad values of shared flags refused, the same message from every program")
        #expect(checked >= 25, "only \(checked) flag checks ran")
    }
}
