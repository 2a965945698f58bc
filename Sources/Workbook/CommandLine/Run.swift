import ArgumentParser
import Backprop
import Foundation

/// The options every chapter shares. A chapter adds its own (epochs, batch size, learning rate)
/// and includes these with `@OptionGroup var run: RunOptions`.
public struct RunOptions: ParsableArguments {
    @Option(help: "Random seed: the same seed and flags give the same run, bit for bit.")
    public var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Train on the first N training images only (and test on at most N): a quick run.",
                               valueName: "N"))
    public var limit: Int?

    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp(
            "The folder holding mnist/ (default: $\(DataLocation.environmentVariable), else ./data).",
            valueName: "path"))
    public var dataDir: String?

    @Option(name: .customLong("output-dir"),
            help: ArgumentHelp("Where this run writes its pictures, charts and report (default: output/<chapter>).",
                               valueName: "path"))
    public var outputDir: String?

    @OptionGroup public var threading: ThreadOptions

    public var threads: Int? { threading.threads }

    public init() {}

    public mutating func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1 (got \(limit))") }
    }
}

/// How many threads the math kernels use (the benchmark shares it with the chapters).
public struct ThreadOptions: ParsableArguments {
    @Option(
        help: "Threads for the math kernels, 1 to 256 (default: every core this process may use). Results do not depend on it."
    )
    public var threads: Int?

    public init() {}

    public func validate() throws {
        if let threads {
            try require((1...256).contains(threads), "--threads must be between 1 and 256 (got \(threads))")
        }
    }
}

/// One run of a chapter: where its data comes from, where its outputs go, how long it took.
public struct Run {
    public let chapter: String
    /// The program that made the run (`gan-dynamics` for `gan-dynamics-grid`).
    public let program: String
    public let dataRoot: URL
    public let dataOrigin: String
    /// The data folder's path as typed (`--data-dir` or $WORKBOOK_DATA), if it was.
    let dataRootGiven: String?
    public let outputFolder: URL
    /// The command that reproduces this run.
    public let command: String
    public let started = Date()
    public let threads: Int
    public let seed: UInt64

    /// Resolves the folders, checks that the output folder is writable (before any training, so a
    /// typo costs nothing), and sets the kernels' thread count.
    /// `chapter` names the run (its output folder, its reference run); `program` is the executable,
    /// when one program writes runs of several kinds (chapter 6's faces and digits). A run that
    /// trains takes its output folder for itself (`OutputLock`); `lock: false` for one that only
    /// draws from a checkpoint (`--generate`).
    public init(chapter: String, program: String? = nil, options: RunOptions, lock: Bool = true) throws {
        self.chapter = chapter
        self.program = program ?? chapter
        setvbuf(stdout, nil, _IOLBF, 0)   // line by line, so a log keeps prints and progress in order
        dataRoot = DataLocation.root(flag: options.dataDir)
        dataOrigin = DataLocation.origin(flag: options.dataDir)
        dataRootGiven = options.dataDir ?? ProcessInfo.processInfo.environment[DataLocation.environmentVariable]
        outputFolder = URL(fileURLWithPath: options.outputDir ?? "output/\(chapter)")
        threads = options.threads ?? Parallel.availableCores
        seed = options.seed
        Parallel.threads = threads
        command = (["swift run \(program ?? chapter)"] + CommandLine.arguments.dropFirst().map(Run.shellQuoted)).joined(
            separator: " ")
        do {
            try FileManager.default.createDirectory(at: outputFolder, withIntermediateDirectories: true)
            let probe = outputFolder.appendingPathComponent(".write-test-\(ProcessInfo.processInfo.processIdentifier)")
            try Data().write(to: probe)
            try FileManager.default.removeItem(at: probe)
        } catch {
            throw WorkbookError(
                "the output folder \(outputFolder.path) is not writable (\(error.localizedDescription)); "
                    + "choose another with --output-dir")
        }
        if lock, let tookOver = try OutputLock.acquire(outputFolder, command: command) { print(tookOver) }
    }

    /// A path as a reader understands it: relative to the folder the program was started in when
    /// it lies inside it, else as it is (reports name no folder of the machine that made them).
    public func shown(_ url: URL) -> String {
        let folder = FileManager.default.currentDirectoryPath
        let path = url.standardizedFileURL.path
        return path.hasPrefix(folder + "/") ? String(path.dropFirst(folder.count + 1)) : path
    }

    /// The data folder as the reader gave it (flag or environment variable), or relative to here.
    public var shownDataRoot: String {
        dataRootGiven.map { $0.hasPrefix("/") ? shown(dataRoot) : $0 } ?? shown(dataRoot)
    }

    /// The URL of a file in the output folder.
    public func output(_ name: String) -> URL { outputFolder.appendingPathComponent(name) }

    /// The picture a chapter draws after `epoch`: `epoch-001.png`, ...
    public func epochPicture(_ epoch: Int) -> URL { output(String(format: "epoch-%03d.png", epoch)) }

    /// Seconds since the run started.
    public var elapsed: Double { Date().timeIntervalSince(started) }

    /// The most memory this process has held at once (its maximum resident set size), in MB.
    public static func peakMemoryMegabytes() -> Int {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        #if os(macOS)
        return Int(usage.ru_maxrss) / 1_048_576   // bytes on macOS
        #else
        return Int(usage.ru_maxrss) / 1024        // kilobytes on Linux
        #endif
    }

    static func shellQuoted(_ argument: String) -> String {
        argument.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+".contains($0) } ? argument : "'\(argument)'"
    }
}

/// Runs `body`; if it throws, prints the error's message and exits with status 1 (or, for a run
/// that ended on purpose, `RunEnded`, prints its message and exits with its status). Only a
/// program's top level calls it: library code throws, so that a missing file reads as a sentence,
/// not a crash, and the library can be tested in process.
public func exitOnError<T>(_ body: () throws -> T) -> T {
    do { return try body() } catch let ended as RunEnded {
        print(ended.message)
        exit(ended.status)
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
    }
}
