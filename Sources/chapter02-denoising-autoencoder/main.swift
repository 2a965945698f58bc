// Chapter 2: a denoising autoencoder on MNIST.
//
// Read it beside chapters/02-denoising-autoencoder.md. An *overcomplete* autoencoder (a code of 1024 numbers
// for 784 pixels) could learn to copy its input. So we damage the input and ask for the clean image:
// copying no longer works, and the network has to learn what digits look like.
//
//     swift run chapter02-denoising-autoencoder --data-dir ../shared/data

import ArgumentParser
import Backprop
import Foundation
import Models
import Workbook

// MARK: - 1. Configuration

enum Noise: String, ExpressibleByArgument, CaseIterable {
    case gaussian   // add N(0, level^2) to every pixel, then clip to [0, 1]
    case masking    // set a random fraction `level` of the pixels to 0
    case none       // no corruption: watch the network learn to copy
}

enum Defaults: TrainingDefaults { static let epochs = 10, batchSize = 64, learningRate: Float = 1e-3 }

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "chapter02-denoising-autoencoder",
        abstract: "Train an overcomplete autoencoder to remove noise from MNIST digits.")

    @OptionGroup var training: TrainingOptions<Defaults>
    @Option(help: "How the input is corrupted: \(Noise.allCases.map(\.rawValue).joined(separator: ", ")).")
    var noise: Noise = .gaussian
    @Option(name: .customLong("noise-level"),
            help: "The noise's strength: standard deviation for gaussian, share of pixels masked (default 0.5).")
    var noiseLevel: Float?
    @Option(help: "Size of the code (hidden layer). Above 784 the autoencoder is overcomplete.")
    var hidden = 1024
    @OptionGroup var drawing: PictureOptions
    @OptionGroup var run: RunOptions

    var level: Float { noiseLevel ?? 0.5 }

    func validate() throws {
        try require((1...16_384).contains(hidden), "--hidden must be between 1 and 16384 (got \(hidden))")
        switch noise {
        case .gaussian: try require(level.isFinite && level > 0 && level <= 5,
                                    "--noise-level for gaussian noise is a standard deviation in (0, 5] (got \(level))")
        case .masking: try require(level.isFinite && level > 0 && level < 1,
                                   "--noise-level for masking noise is a fraction in (0, 1) (got \(level))")
        case .none: try require(noiseLevel == nil, "--noise-level has no meaning with --noise none")
        }
    }
}

let options = Options.parseOrExit()
let epochs = options.training.epochsOrDefault, batchSize = options.training.batchSizeOrDefault,
    learningRate = options.training.learningRateOrDefault
let noise = options.noise, noiseLevel = options.level  // plain constants: cheap to read in a hot loop
// The test digits get the same damage, except when training without noise: then they get Gaussian
// noise 0.5 anyway, to show that a network that learned to copy has not learned to denoise.
let testNoise = noise == .none ? Noise.gaussian : noise, testNoiseLevel = noise == .none ? 0.5 : noiseLevel
let zoom = options.drawing.zoom ?? 2   // pictures drawn twice as large, pixel for pixel
let run = exitOnError { try Run(chapter: "chapter02-denoising-autoencoder", options: options.run) }
let rng = RandomGenerator(seed: options.run.seed)
let settings = Settings(["epochs": epochs, "batch size": batchSize, "learning rate": learningRate,
                         "zoom": zoom, "noise": noise.rawValue, "noise level": noiseLevel, "hidden": options.hidden],
                        run: options.run)

// MARK: - 2. Data and the corruption

let train = exitOnError { try MNIST.load(.train, root: run.dataRoot) }.prefix(options.run.limit)
let test = exitOnError { try MNIST.load(.test, root: run.dataRoot) }.prefix(options.run.limit)
print("MNIST: \(train.count) training and \(test.count) test images from \(run.dataRoot.path)")

/// Writes a damaged copy of `clean` into `noisy`. The damage is drawn fresh every time, so the
/// network never sees the same noisy image twice and cannot memorise the noise.
func corrupt(_ clean: Tensor, into noisy: Tensor, using random: RandomGenerator,
             kind: Noise = noise, level: Float = noiseLevel) {
    noisy.reshape(to: clean.shape)
    switch kind {
    case .gaussian:
        noisy.fillNormal(using: random, std: level)                        // the noise, N(0, level^2)
        for i in 0..<noisy.count { noisy[i] = min(max(clean[i] + noisy[i], 0), 1) }   // added, kept in [0, 1]
    case .masking:
        noisy.copy(from: clean)
        for i in 0..<noisy.count where random.uniform() < level { noisy[i] = 0 }
    case .none:
        noisy.copy(from: clean)
    }
}

// The test set is corrupted once, with its own generator: every epoch is judged on the same damage.
let cleanTest = Tensor(shape: [0]), noisyTest = Tensor(shape: [0])
test.fill(cleanTest, with: 0..<test.count)
corrupt(cleanTest, into: noisyTest, using: RandomGenerator(seed: options.run.seed &+ 1_000_003),
        kind: testNoise, level: testNoiseLevel)

// MARK: - 3. Model
// One wide hidden layer: 784 -> 1024 -> 784 (ReLU, then sigmoid; Sources/Models/Autoencoders.swift).
// With more code numbers than pixels the network could pass every pixel straight through; only
// the noise stops it.

// x̃ [B, 784] -> h [B, 1024] -> x̂ [B, 784]
let autoencoder = Autoencoder.overcomplete(hidden: options.hidden, rng: rng)
let optimizer = Adam(autoencoder.parameters, learningRate: learningRate)
// The training step, chapter 1's (Sources/Models/Steps/AutoencoderStep.swift), which bench times.
let trainingStep = AutoencoderStep(model: autoencoder, optimizer: optimizer)
print("Denoising autoencoder 784-\(options.hidden)-784: \(autoencoder.parameterCount) parameters; "
      + "noise: \(options.noise.rawValue)" + (options.noise == .none ? "" : " \(options.level)"))

// MARK: - 4. Measuring: MSE and PSNR

let noisyPSNR = meanPSNR(noisyTest, against: cleanTest)   // the baseline to beat (Workbook/Evaluation/PSNR.swift)
print("The noisy test images are at \(fixed(noisyPSNR, 2)) dB PSNR: the denoiser has to beat that.")

/// Denoises the whole test set; returns the MSE and the mean PSNR against the clean images.
let denoisedTest = Tensor(shape: [test.count, 784])
func evaluate() -> (mse: Double, psnr: Double) {
    autoencoder.setTraining(false)
    let batch = Tensor(shape: [0])
    var total = 0.0
    for start in stride(from: 0, to: test.count, by: 1000) {
        let rows = min(1000, test.count - start)
        batch.reshape(to: [rows, 784])
        batch.data.update(from: noisyTest.data + start * 784, count: rows * 784)
        let output = autoencoder.forward(batch)
        (denoisedTest.data + start * 784).update(from: output.data, count: rows * 784)
        for i in 0..<(rows * 784) { let d = Double(output[i] - cleanTest[start * 784 + i]); total += d * d }
    }
    autoencoder.setTraining(true)
    return (total / Double(test.count * 784), meanPSNR(denoisedTest, against: cleanTest))
}

/// Three rows of the same ten test digits: noisy input, denoised output, clean original.
let shownDigits = test.examplesOfEachDigit(1)
func drawDenoising(to url: URL) throws {
    let rows = [noisyTest, denoisedTest, cleanTest]
    let tiles = rows.flatMap { source in shownDigits.map { Image(grayRow: $0, of: source, width: 28, height: 28) } }
    try PNG.write(makeGrid(tiles, perRow: shownDigits.count).scaled(by: zoom), to: url)
}

// MARK: - 5. Training

// The bookkeeping (order, running loss, progress, checkpoints, --resume, Ctrl-C): Workbook/Training/.
let training = AutoencoderTraining(run: run, rng: rng, configuration: settings.checkpoint, model: autoencoder,
                                   optimizer: optimizer, examples: train.count, batchSize: batchSize, epochs: epochs)
exitOnError { try training.begin(resuming: options.training.resume, notebook: writeNotebook) }   // notebook: section 6

let clean = Tensor(shape: [0]), noisy = Tensor(shape: [0])

exitOnError {   // a loss that is not a number, or Ctrl-C, ends the loop with a message
    for epoch in training.epochsToTrain {
        for step in training.beginEpoch(epoch) {              // a new shuffled order every epoch
            let indices = training.batch(step)
            // region: the step
            train.fill(clean, with: indices)                  // x: [B, 784]
            corrupt(clean, into: noisy, using: rng)           // x̃: x damaged
            let value = trainingStep(input: noisy, target: clean)   // x̂ = g(f(x̃)), scored against the clean x
            // endregion

            try training.endStep(step, TrainingLoss(Double(value)), weight: Double(indices.count))   // Ctrl-C: saved
        }
        let (testMSE, testPSNR) = evaluate()
        try drawDenoising(to: run.epochPicture(epoch))
        try training.endEpoch(testMSE: testMSE, psnr: testPSNR, status:
            "test MSE \(fixed(testMSE, 4))  PSNR \(fixed(testPSNR, 2)) dB (noisy \(fixed(noisyPSNR, 2)))")
    }
}

// MARK: - 6. Outputs: pictures, charts and the tables, woven into chapters/02-denoising-autoencoder.md

/// Writes the notebook for where the run stands: after every epoch, when it stops early, and at the end.
func writeNotebook(_ status: RunStatus) throws {
    let results = training.history
    try drawDenoising(to: run.output("denoising.png"))
    _ = try training.lossChart(title: "Denoising autoencoder: error against the clean images").draw(
        into: run.outputFolder, name: "loss")
    _ = try training.psnrChart(noisy: noisyPSNR).draw(into: run.outputFolder, name: "psnr")
    let notebook = Notebook(run: run, settings: settings)
    notebook.table("epochs", "Training, epoch by epoch",
        ["epoch", "training loss", "test MSE", "test PSNR (dB)", "gain over noisy (dB)", "seconds"],
        results.map { ["\($0.epoch)", fixed($0.trainingLoss, 5), fixed($0.testMSE, 5), fixed($0.psnr ?? .nan, 2),
                       fixed(($0.psnr ?? .nan) - noisyPSNR, 2), fixed($0.seconds, 1)] })
    notebook.add("noisy PSNR", "The noisy input's PSNR", "\(fixed(noisyPSNR, 2)) dB")
    notebook.epochPictures(results.map(\.epoch))
    notebook.timing(trainingSeconds: training.trainingSeconds, samples: train.count * results.count,
                    notebookSeconds: training.notebookSeconds)
    guard status.isFinished, let final = results.last else { return try notebook.write(status) }
    try notebook.finish(metrics: ["test MSE": final.testMSE, "test PSNR (dB)": final.psnr ?? .nan,
                                  "noisy PSNR (dB)": noisyPSNR, "training loss": final.trainingLoss],
                        pictures: ["denoising.png"], data: train.fingerprint + "-" + test.fingerprint)
}

exitOnError { try writeNotebook(.finished(elapsed: run.elapsed)) }
let final = training.history.last!
print("Final test PSNR \(fixed(final.psnr ?? .nan, 2)) dB (noisy input \(fixed(noisyPSNR, 2)) dB), "
      + "MSE \(fixed(final.testMSE, 4)); \(Int(Double(train.count * training.history.count) / training.trainingSeconds)) "
      + "images/s; wall time \(formatDuration(run.elapsed))")
print("Wrote \(run.outputFolder.path)/: denoising.png, epoch-*.png, loss and psnr charts, report.md")
