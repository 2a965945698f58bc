import ArgumentParser
import Backprop
import Foundation

// The flags the programs share, each declared once: one name, one range, one help text. A chapter
// includes the groups it needs with `@OptionGroup` (RunOptions, in Run.swift, has the seed, the
// limit, the folders and the thread count).

/// The defaults of a chapter's training flags, shown in its `--help`.
public protocol TrainingDefaults {
    static var epochs: Int { get }
    static var batchSize: Int { get }
    static var learningRate: Float { get }
    /// Said after a default when it depends on other flags (chapter 3's presets, chapter 4's faces).
    static var epochsNote: String { get }
    static var batchSizeNote: String { get }
    static var learningRateNote: String { get }
}

public extension TrainingDefaults {
    static var epochsNote: String { "" }
    static var batchSizeNote: String { "" }
    static var learningRateNote: String { "" }
}

/// How long and how fast a chapter trains, and whether it continues a saved run.
public struct TrainingOptions<Defaults: TrainingDefaults>: ParsableArguments {
    // The flags as typed (nil when not given); the values a chapter trains with are `epochsOrDefault`,
    // `batchSizeOrDefault` and `learningRateOrDefault` below, so that the two cannot be confused.
    @Option(
        name: .customLong("epochs"),
        help: "Passes over the training set, 1 to 10000 (default: \(Defaults.epochs)\(Defaults.epochsNote)).")
    public var epochsFlag: Int?

    @Option(
        name: .customLong("batch-size"),
        help: "Examples per training step, 1 to 60000 (default: \(Defaults.batchSize)\(Defaults.batchSizeNote)).")
    public var batchSizeFlag: Int?

    @Option(
        name: .customLong("lr"),
        help: ArgumentHelp(
            "The optimiser's learning rate, above 0 and at most 10 (default: "
                + "\(Defaults.learningRate)\(Defaults.learningRateNote)).")
    )
    public var learningRateFlag: Float?

    @Flag(help: "Continue from the checkpoint in the output folder (same settings; --epochs is the new total).")
    public var resume = false

    public init() {}

    public func validate() throws {
        if let epochs = epochsFlag {
            try require((1...10_000).contains(epochs), "--epochs must be between 1 and 10000 (got \(epochs))")
        }
        if let batchSize = batchSizeFlag {
            try require((1...60_000).contains(batchSize), "--batch-size must be between 1 and 60000 (got \(batchSize))")
        }
        if let learningRate = learningRateFlag {
            try require(
                learningRate.isFinite && learningRate > 0 && learningRate <= 10,
                "--lr must be above 0 and at most 10 (got \(learningRate))")
        }
    }

    /// The flags' values, or the chapter's defaults.
    public var epochsOrDefault: Int { epochsFlag ?? Defaults.epochs }
    /// --epochs, else `preferred`, else as many epochs as make about `steps` steps (a perceptron or
    /// DCGAN needs a few thousand steps to draw faces, however many faces there are).
    public func epochsOrDefault(preferred: Int? = nil, steps: Int, stepsPerEpoch: Int) -> Int {
        epochsFlag ?? preferred ?? max(1, Int((Double(steps) / Double(stepsPerEpoch)).rounded()))
    }
    public var batchSizeOrDefault: Int { batchSizeFlag ?? Defaults.batchSize }
    public var learningRateOrDefault: Float { learningRateFlag ?? Defaults.learningRate }
}

/// Drawing samples from a trained generator instead of training.
public struct GenerateOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Only draw N samples (1 to 1000000) from a trained generator (see --checkpoint); no training.",
            valueName: "N"))
    public var generate: Int?

    @Option(
        help: ArgumentHelp(
            "The checkpoint to draw from with --generate (default: checkpoint.bin in the output folder).",
            valueName: "path"))
    public var checkpoint: String?

    public init() {}

    public func validate() throws {
        try require((1...1_000_000).contains(generate ?? 1), "--generate takes a number of samples from 1 to 1000000")
        try require(
            checkpoint == nil || generate != nil,
            "--checkpoint goes with --generate (to continue training, use --resume)")
    }

    /// Refuses `--resume` with `--generate` (call it from the program's `validate`).
    public func validate(resume: Bool) throws {
        try require(!(resume && generate != nil), "--resume trains and --generate does not: use one of them")
    }

    /// Whether the run only draws from a checkpoint (it takes no lock on the output folder).
    public var isDrawing: Bool { generate != nil }

    /// The checkpoint to draw from.
    public func checkpointFile(_ run: Run) -> URL {
        checkpoint.map { URL(fileURLWithPath: $0) } ?? run.output("checkpoint.bin")
    }
}

/// Where trained helpers and decoded data are kept between runs.
public struct CacheOptions: ParsableArguments {
    @Option(
        name: .customLong("cache-dir"),
        help: ArgumentHelp(
            "Where trained helpers and decoded data are kept between runs (the digit classifier, the decoded faces; "
                + "'none': nowhere).",
            valueName: "folder"))
    public var cacheDir = "output/cache"

    public init() {}

    public func validate() throws { try require(!cacheDir.isEmpty, "--cache-dir needs a folder (or 'none')") }

    /// The cache folder, or nil for `--cache-dir none`.
    public var cacheFolder: URL? { cacheDir == "none" ? nil : URL(fileURLWithPath: cacheDir) }
}

/// How large the pictures are drawn.
public struct PictureOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Draw the pictures N times larger, pixel for pixel, 1 to 8 (default: 2 for digits, 1 for faces).",
            valueName: "N"))
    public var zoom: Int?

    public init() {}

    public func validate() throws {
        if let zoom { try require((1...8).contains(zoom), "--zoom must be between 1 and 8 (got \(zoom))") }
    }
}

/// `--images`: the folders of face photos chapters 4 and 6 train on.
public struct ImageFolderOptions: ParsableArguments {
    @Option(
        name: .customLong("images"),
        help: ArgumentHelp(
            "A folder of face images (.jpg/.jpeg/.png, searched recursively); repeat for several (default: celeba/ in "
                + "the data folder).",
            valueName: "folder"))
    public var folders: [String] = []

    public init() {}

    public func validate() throws { try require(folders.allSatisfy { !$0.isEmpty }, "--images needs a folder") }

    /// The folders as URLs, or `default` when none was given.
    public func urls(default folder: URL) -> [URL] {
        folders.isEmpty ? [folder] : folders.map { URL(fileURLWithPath: $0) }
    }
}

/// `--no-score`: the digit chapters score 2,000 samples every epoch with appendix A's classifier.
public struct ScoreOptions: ParsableArguments {
    @Flag(
        inversion: .prefixedNo,
        help: "Score 2,000 samples every epoch with a digit classifier (trained once, then cached; digits only).")
    public var score = true

    public init() {}
}

/// The options every generative chapter (3 to 6) shares, as one group: how long and how fast to
/// train (`--epochs`, `--batch-size`, `--lr`, `--resume`), drawing from a checkpoint instead
/// (`--generate`, `--checkpoint`), the cache (`--cache-dir`), the pictures' size (`--zoom`), and
/// the run's own (`--seed`, `--limit`, `--data-dir`, `--output-dir`, `--threads`).
public struct GenerativeOptions<Defaults: TrainingDefaults>: ParsableArguments {
    @OptionGroup public var training: TrainingOptions<Defaults>
    @OptionGroup public var generation: GenerateOptions
    @OptionGroup public var cache: CacheOptions
    @OptionGroup public var drawing: PictureOptions
    @OptionGroup public var run: RunOptions

    public init() {}

    public func validate() throws { try generation.validate(resume: training.resume) }
}
