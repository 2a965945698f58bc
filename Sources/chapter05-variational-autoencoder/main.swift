// Chapter 5: a variational autoencoder on MNIST, the autoencoder that generates.
//
// Read this file beside chapters/05-variational-autoencoder.md. The encoder no longer gives one
// code per digit but a distribution of codes, N(μ, σ²); the decoder learns from samples of it;
// and a second loss term keeps those distributions close to N(0, 1), so that afterwards any
// z ~ N(0, 1) decodes to a digit.
//
//     swift run chapter05-variational-autoencoder --data-dir ../shared/data
//     swift run chapter05-variational-autoencoder --latent 2        # a code of 2 numbers: draw the whole map
//     swift run chapter05-variational-autoencoder --conditional     # tell it the digit: one row of samples per digit
//     swift run chapter05-variational-autoencoder --generate 1000 --checkpoint output/chapter05-variational-autoencoder/checkpoint.bin

import ArgumentParser
import Backprop
import Foundation
import Models
import Workbook

// MARK: - 1. Configuration

enum Defaults: TrainingDefaults {
    static let epochs = 10, batchSize = 128, learningRate: Float = 1e-3
}

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter05-variational-autoencoder",
        abstract: "Train a variational autoencoder on MNIST, then draw new digits from random codes.")

    @Option(help: ArgumentHelp("The size Z of the code z (1 to 100; 2 draws the map of all codes).", valueName: "Z"))
    var latent = 20
    @Option(parsing: .unconditional,   // so that "--beta -1" is read as a number, and refused as one
            help: ArgumentHelp("The weight of the KL term (0 to 100; 1 is the VAE, other values a β-VAE).", valueName: "β"))
    var beta: Float = 1
    @Flag(help: "Give both halves the digit's label (a conditional VAE): samples can then be asked for by digit.")
    var conditional = false
    @Flag(inversion: .prefixedNo, help: "Score 2,000 samples every epoch with a digit classifier (trained once, then cached).")
    var score = true
    @Option(name: .customLong("gan-reference"), help: ArgumentHelp("Chapter 3's reference run, shown beside this one.", valueName: "folder"))
    var ganReference = "output/reference/chapter03-gan"
    @OptionGroup var training: TrainingOptions<Defaults>
    @OptionGroup var generation: GenerateOptions
    @OptionGroup var cache: CacheOptions
    @OptionGroup var drawing: PictureOptions
    @OptionGroup var run: RunOptions

    func validate() throws {
        try require((1...100).contains(latent), "--latent must be between 1 and 100 (got \(latent))")
        try require(beta.isFinite && beta >= 0 && beta <= 100, "--beta must be between 0 and 100 (got \(beta))")
        try generation.validate(resume: training.resume)
    }
}

let options = Options.parseOrExit()
let latentSize = options.latent, beta = options.beta, conditional = options.conditional
let epochs = options.training.epochCount, batchSize = options.training.batch, learningRate = options.training.rate
let zoom = options.drawing.zoom ?? 2   // pictures drawn twice as large, pixel for pixel
let run = exitOnError { try Run(chapter: "chapter05-variational-autoencoder", options: options.run) }
let rng = RandomGenerator(seed: options.run.seed)   // the one source of randomness: same seed, same run

// MARK: - 2. Model
// encoder 784-400 (ReLU), two heads 400-Z for μ and log σ², z = μ + σ·ε, decoder Z-400-784 (ReLU,
// then logits; the picture is their sigmoid). Written out in Sources/Models/VariationalAutoencoder.swift.

let vae = VariationalAutoencoder(latentSize: latentSize, conditional: conditional, rng: rng)
let optimizer = Adam(vae.parameters, learningRate: learningRate)
let bce = BCEWithLogitsLoss(), kl = KLDivergenceLoss()
let pictures = SamplePictures(run: run, generator: vae.generator, layout: .gray(side: 28), zoom: zoom, range: 0...1)

// Everything that must match for a checkpoint to continue this run.
let configuration: [String: String] = [
    "latent": "\(latentSize)", "beta": "\(beta)", "conditional": "\(conditional)", "batch size": "\(batchSize)",
    "learning rate": "\(learningRate)", "seed": "\(options.run.seed)", "limit": options.run.limit.map(String.init) ?? "none",
]

/// Codes to decode: `count` rows of z ~ N(0, 1), and with --conditional the digits 0, 1, ..., 9,
/// 0, 1, ... beside them, one-hot. [count, Z (+10)]
let labelJoin = JoinColumns()
func codes(_ into: Tensor, count: Int, using random: RandomGenerator, digits: (Int) -> Int = { $0 % 10 }) {
    let z = Tensor(shape: [count, latentSize])
    z.fillNormal(using: random)
    guard conditional else { return into.copy(from: z) }
    let labels = Tensor(shape: [0])
    oneHot((0..<count).map(digits), classes: 10, into: labels)
    into.copy(from: labelJoin.forward(z, labels))
}

// MARK: - Generating only: --generate N

if let count = options.generation.generate {
    let file = options.generation.checkpointFile(run)
    exitOnError {
        let saved = try Checkpoint.load(vae.decoder, as: "decoder", from: file, configuration: configuration, mustMatch: ["latent", "conditional"],
                                        hint: "pass the same --latent (and --conditional) to draw from it")
        let idx = try pictures.generateIDX(count: count) { z, n in codes(z, count: n, using: rng) }
        let order = conditional ? " (digits 0, 1, ..., 9 in turn)" : ""
        print("Drew \(count) samples\(order) from \(file.path) (epoch \(saved.epoch)): \(idx.path) and generated.png (the first \(min(count, 100)))")
    }
    exit(0)
}

// MARK: - 3. Data
// MNIST digits scaled from [0, 255] to [0, 1]: each pixel is read as the probability that it is
// ink, which is what the binary cross-entropy compares the decoder's output with.

let fullTrain = exitOnError { try MNIST.load(.train, root: run.dataRoot) }
let train = fullTrain.prefix(options.run.limit)
let fullTest = exitOnError { try MNIST.load(.test, root: run.dataRoot) }
let test = fullTest.prefix(options.run.limit)
print("MNIST: \(train.count) training and \(test.count) test images from \(run.shownDataRoot)")
print("VAE \(vae.sizes): \(vae.parameterCount) parameters; β = \(beta)\(conditional ? "; conditional on the digit" : "")")

let shownDigits = test.examplesOfEachDigit(2)   // reconstructed in every report: two of each digit

// 64 codes fixed for the whole run (with --conditional: 8 codes, each drawn as every digit, one
// row per digit), and the ends of 8 straight walks between codes (the same digit at both ends).
let fixedZ = Tensor(shape: [0]), ends = Tensor(shape: [0])
if conditional {
    let styles = Tensor(shape: [8, latentSize]), digits = Tensor(shape: [0])
    styles.fillNormal(using: RandomGenerator(seed: options.run.seed &+ 7919))              // 8 codes z: [8, Z]
    let repeated = Tensor(shape: [80, latentSize])                                          // each once per digit: [80, Z]
    for row in 0..<80 { for k in 0..<latentSize { repeated[row, k] = styles[row % 8, k] } }
    oneHot((0..<80).map { $0 / 8 }, classes: 10, into: digits)                              // row r asks for digit r / 8
    fixedZ.copy(from: labelJoin.forward(repeated, digits))
} else {
    codes(fixedZ, count: 64, using: RandomGenerator(seed: options.run.seed &+ 7919))
}
codes(ends, count: 16, using: RandomGenerator(seed: options.run.seed &+ 104_729)) { $0 / 2 }

// The digit score (appendix A's classifier) of 2,000 samples from fixed codes, every epoch.
let scorer = !options.score ? nil : exitOnError { try DigitScorer.prepared(train: fullTrain, test: fullTest, cacheFolder: options.cache.cacheFolder) }
let scoreZ = Tensor(shape: [0])
codes(scoreZ, count: 2000, using: RandomGenerator(seed: options.run.seed &+ 31_337))

// MARK: - 4. The bookkeeping: history, charts, checkpoints, resuming, Ctrl-C (Workbook/Training/)

let training = VAETraining(run: run, rng: rng, configuration: configuration, parts: vae.parts, optimizer: optimizer,
                           examples: train.count, batchSize: batchSize, epochs: epochs)
if options.training.resume { exitOnError { try training.resume() } }
training.notebook = writeNotebook   // the report is rewritten after every epoch (section 6)

// MARK: - 5. Training

/// The loss on the test digits, in nats per image, as in training: one sampled z per image. The
/// noise comes from its own generator, the same every epoch, so epochs compare fairly and the
/// training run's random numbers are not touched.
func testLoss() -> VAELossParts {
    let sampler = Reparameterize(rng: RandomGenerator(seed: options.run.seed &+ 271_828))
    let x = Tensor(shape: [0]), labels = Tensor(shape: [0])
    var reconstruction = 0.0, divergence = 0.0
    for start in stride(from: 0, to: test.count, by: 1000) {
        let indices = start..<min(start + 1000, test.count)
        test.fill(x, with: indices)
        test.fillOneHotLabels(labels, with: indices)
        let h = vae.encoder.forward(vae.encoderInput(x, labels: labels))
        let mean = vae.meanHead.forward(h), logVariance = vae.logVarianceHead.forward(h)
        let logits = vae.decoder.forward(vae.decoderInput(sampler.forward(mean: mean, logVariance: logVariance), labels: labels))
        reconstruction += Double(bce.forward(logits, x, weight: Float(vae.imageSize))) * Double(indices.count)
        divergence += Double(kl.forward(mean: mean, logVariance: logVariance)) * Double(indices.count)
    }
    let n = Double(max(test.count, 1))
    return VAELossParts(reconstruction: reconstruction / n, divergence: divergence / n, loss: (reconstruction + Double(beta) * divergence) / n)
}

let x = Tensor(shape: [0]), labels = Tensor(shape: [0])
print("Training for epochs \(training.epochs) of \(training.stepsPerEpoch) steps (batch \(batchSize)) on \(run.threads) threads")
exitOnError {   // a loss that is not a number, or Ctrl-C, ends the loop with a message
    for epoch in training.epochs {
        for step in training.beginEpoch(epoch) {                  // a new shuffled order every epoch
            let indices = training.batch(step)
            train.fill(x, with: indices)                          // x: [B, 784] in [0, 1]
            train.fillOneHotLabels(labels, with: indices)         // y: [B, 10] (read only with --conditional)

            optimizer.zeroGradients()
            // Forward: a distribution of codes per image, one sample from it, and its decoding.
            let h = vae.encoder.forward(vae.encoderInput(x, labels: labels))          // h: [B, 400]
            let mean = vae.meanHead.forward(h)                                        // μ: [B, Z]
            let logVariance = vae.logVarianceHead.forward(h)                          // log σ²: [B, Z]
            let z = vae.sampler.forward(mean: mean, logVariance: logVariance)         // z = μ + σ·ε: [B, Z]
            let logits = vae.decoder.forward(vae.decoderInput(z, labels: labels))     // [B, 784]; x̂ = sigmoid(logits)

            // The loss, per image: how badly x̂ explains x (binary cross-entropy summed over the
            // 784 pixels), plus β times how far N(μ, σ²) is from N(0, 1) (the KL divergence).
            let reconstruction = bce.forward(logits, x, weight: Float(vae.imageSize))
            let weightedKL = kl.forward(mean: mean, logVariance: logVariance, weight: beta)

            // Backward: μ and log σ² each get gradient from two places, through z and from the KL
            // term; where two paths meet, their gradients add. Then both heads into h, and h into the encoder.
            let dz = vae.codeGradient(vae.decoder.backward(bce.backward()))           // dL/dz: [B, Z]
            let (dMean, dLogVariance) = vae.sampler.backward(dz)                      // through z = μ + σ·ε
            let fromKL = kl.backward()
            dMean.add(fromKL.mean)                                                    // + β μ / B
            dLogVariance.add(fromKL.logVariance)                                      // + β (σ² − 1) / 2B
            let dh = vae.meanHead.backward(dMean)
            dh.add(vae.logVarianceHead.backward(dLogVariance))                        // h feeds both heads
            _ = vae.encoder.backward(dh)
            optimizer.step()

            try training.endStep(step, VAELossParts(reconstruction: Double(reconstruction), divergence: Double(kl.divergence),
                                                    loss: Double(reconstruction + weightedKL)), weight: Double(indices.count))
        }
        try pictures.epochGrid(fixedZ, epoch: epoch)                                  // the same codes every epoch
        try training.endEpoch(test: testLoss(), score: scorer?.score(draw(vae.generator, scoreZ), range: 0...1))
    }
}

// MARK: - 6. Outputs (the executed notebook)

/// Test digits (two of each) in the first row, their reconstructions from z = μ in the second.
func drawReconstructions() throws {
    vae.setTraining(false)                                                            // z = μ: the code's centre
    defer { vae.setTraining(true) }
    let originals = Tensor(shape: [0]), shownLabels = Tensor(shape: [0])
    test.fill(originals, with: shownDigits)
    test.fillOneHotLabels(shownLabels, with: shownDigits)
    let h = vae.encoder.forward(vae.encoderInput(originals, labels: shownLabels))
    let z = vae.sampler.forward(mean: vae.meanHead.forward(h), logVariance: vae.logVarianceHead.forward(h))
    let reconstructions = Tensor(copying: vae.generator.forward(vae.decoderInput(z, labels: shownLabels)))
    try PNG.write(pictures.grid(stackedRows(originals, reconstructions, perRow: 10), count: 2 * shownDigits.count, perRow: 10),
                  to: run.output("reconstructions.png"))
}

/// With --latent 2 the whole code space fits in a picture: a 20 x 20 grid of decodings at evenly
/// spaced quantiles of N(0, 1) in both numbers (z₁ left to right, z₂ bottom to top), and the test
/// digits' means μ as points coloured by their digit.
func drawMap() throws -> URL? {
    let quantiles = (0..<20).map { Float(normalQuantile((Double($0) + 0.5) / 20)) }
    let grid = Tensor(shape: [400, 2])
    for row in 0..<20 { for column in 0..<20 { grid[row * 20 + column, 0] = quantiles[column]; grid[row * 20 + column, 1] = quantiles[19 - row] } }
    try PNG.write(pictures.grid(draw(vae.generator, grid), count: 400, perRow: 20), to: run.output("manifold.png"))

    vae.setTraining(false)
    defer { vae.setTraining(true) }
    let shown = 0..<min(5000, test.count), images = Tensor(shape: [0])
    test.fill(images, with: shown)
    let means = vae.meanHead.forward(vae.encoder.forward(images))
    var byDigit = [[(x: Double, y: Double)]](repeating: [], count: 10)
    for i in shown { byDigit[Int(test.labels[i])].append((x: Double(means[i, 0]), y: Double(means[i, 1]))) }
    let colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]   // ten distinct ones
    var chart = Chart(title: "Where the encoder puts \(shown.count) test digits: their means μ", xLabel: "z₁", yLabel: "z₂",
                      series: (0..<10).map { .init("\($0)", byDigit[$0], style: "points pt 7 ps 0.4 lc rgb '\(colours[$0])'") })
    chart.settings = ["set size square", "set key outside right"]
    return try chart.draw(into: run.outputFolder, name: "codes")
}

/// Chapter 3's reference run beside this one: its metrics and the first two rows of its samples.
func besideTheGAN() -> (metrics: RunMetrics, picture: Bool)? {
    let folder = URL(fileURLWithPath: options.ganReference)
    guard let metrics = try? RunMetrics(contentsOf: folder) else { return nil }
    let ganZoom = Int(metrics.configuration["zoom"] ?? "") ?? 1, tileRows = 2 * (28 + 2) * ganZoom
    guard let theirs = try? PNG.read(folder.appendingPathComponent("samples.png")).cropped(top: 0, height: tileRows) else { return (metrics, false) }
    let mine = SamplePictures(run: run, generator: vae.generator, layout: .gray(side: 28), zoom: ganZoom, range: 0...1)
        .grid(draw(vae.generator, fixedZ), count: 16).cropped(top: 0, height: tileRows)
    guard theirs.width == mine.width, theirs.channels == mine.channels,
          (try? PNG.write(Image.stacked([theirs, mine]), to: run.output("beside-gan.png"))) != nil else { return (metrics, false) }
    return (metrics, true)
}

/// Writes the notebook for where the run stands: after every epoch, when it stops early, and at the end.
func writeNotebook(_ status: RunStatus) throws {
    let history = training.history
    let report = Report(title: "Chapter 5: a variational autoencoder on MNIST (executed notebook)", status: status)
    report.paragraph("""
        A variational autoencoder: the encoder (\(vae.sizes.components(separatedBy: ";")[0]), ReLU) gives each digit a \
        distribution of codes N(μ, σ²) rather than one code; training decodes one sample z = μ + σ·ε of it (the \
        reparameterisation trick), and the loss adds to the reconstruction error (binary cross-entropy summed over the \
        pixels) \(beta == 1 ? "" : "β = \(beta) times ")the KL divergence of N(μ, σ²) from N(0, 1), which keeps the codes \
        where random z ~ N(0, 1) will later look for them. \(conditional ? "Both halves also see the digit's label (a conditional VAE). " : "")\
        The text of this chapter is `chapters/05-variational-autoencoder.md`.
        """)
    report.describe(run, configuration: [
        ("epochs", "\(epochs)"), ("batch size", "\(batchSize)"), ("code size Z", "\(latentSize)"), ("β (weight of the KL term)", "\(beta)"),
        ("conditional", conditional ? "yes: the label, one-hot, joins the encoder's and the decoder's input" : "no"),
        ("optimiser", "Adam, lr \(learningRate), betas (0.9, 0.999)"),
        ("loss", "binary cross-entropy summed over the 784 pixels + \(beta == 1 ? "" : "\(beta) · ")KL, per image"),
        ("parameters", "\(vae.parameterCount) (\(vae.sizes))"), ("training images", "\(train.count)"), ("test images", "\(test.count)"),
    ])
    report.heading("Training, epoch by epoch")
    report.paragraph("Nats per image. The test loss samples one z per test digit, as training does, so it estimates the same number: "
                     + "the negative evidence lower bound\(beta == 1 ? "" : " (with β = \(beta) it is a β-weighted variant)").")
    report.table(["epoch", "training loss", "test loss", "test reconstruction", "test KL", "seconds"],
                 history.map { ["\($0.epoch)", fixed($0.training.loss, 2), fixed($0.test.loss, 2), fixed($0.test.reconstruction, 2),
                                fixed($0.test.divergence, 2), fixed($0.seconds, 1)] })
    guard let last = history.last else { return try report.write(to: run.output("report.md")) }

    try drawReconstructions()
    report.heading("Reconstructions")
    report.paragraph("Rows alternate: test digits, then their decodings from z = μ (epoch \(last.epoch)). They are blurrier than chapter 1's: "
                     + "the decoder learnt from noisy codes, so it draws what a whole neighbourhood of codes has in common.")
    report.image("test digits and their reconstructions", "reconstructions.png")

    report.heading("Samples")
    let strip = status.isFinished ? try pictures.final(fixedZ: fixedZ, epochs: epochs, ends: ends, steps: 10) : nil
    let what = conditional ? "8 codes z ~ N(0, 1), each decoded as every digit: one row per digit 0 to 9, one column per code"
                           : "64 codes z ~ N(0, 1), the same every epoch, decoded"
    report.paragraph("\(what) (epoch \(last.epoch)):")
    if let strip {
        report.image("samples from fixed z", "samples.png")
        if conditional {
            report.paragraph("Each row is one digit, asked for by its label; each column keeps one z. What stays the same down a column "
                             + "(slant, thickness, width) is what z encodes once the label says which digit: the label carries the "
                             + "digit's identity, so the code is left with the style, and the KL term falls: the identity (worth up to log 10 ≈ 2.3 nats) "
                             + "no longer has to be paid for in the code (compare the KL column with an unconditional run's). With a large code (Z = 20) some identity stays in z "
                             + "as well, and a random z can then pull a sample towards another digit than its row's; with `--latent 2` "
                             + "there is no room for that and every row is its digit.")
        }
        report.paragraph("Progress: the first row of samples after epochs \(strip.map(String.init).joined(separator: ", ")):")
        report.image("one row of samples per chosen epoch", "progress.png")
        report.paragraph("Interpolation: each row walks in a straight line from one random code to another; the decoder turns every point on "
                         + "the way into a digit, because the KL term packed the codes together around 0.")
        report.image("latent interpolation", "interpolation.png")
    } else {
        report.image("samples from fixed z", String(format: "epoch-%03d.png", last.epoch))
    }
    if latentSize == 2 && !conditional {
        let codesChart = try drawMap()
        report.heading("The map of all codes (Z = 2)")
        report.paragraph("Decodings of a 20 x 20 grid of codes at evenly spaced quantiles of N(0, 1) (z₁ left to right, z₂ bottom to top): "
                         + "every digit the decoder can draw, side by side, changing smoothly from one into another.")
        report.image("decodings of a grid of codes", "manifold.png")
        report.chart(codesChart, heading: "Where the test digits' codes lie", caption: "the means μ of test digits, coloured by digit")
    } else if latentSize == 2 {
        report.paragraph("(The map of all codes is drawn without --conditional: with the label as input, every digit has a map of its own.)")
    }

    report.chart(try training.lossChart(beta: beta).draw(into: run.outputFolder, name: "loss"), heading: "Loss",
                 caption: "the reconstruction term, the KL term and their sum, training and test")
    if let finalScore = last.score {
        report.digitScore(history, final: finalScore,
                          frechetChart: try DigitScore.frechetChart(history).draw(into: run.outputFolder, name: "frechet"),
                          digitsChart: try finalScore.histogram(epoch: last.epoch, drawer: "the VAE").draw(into: run.outputFolder, name: "digits"))
    }
    if status.isFinished { beside(last, in: report) }
    report.epochPictures(history.map(\.epoch))
    report.timing(run, trainingSeconds: training.trainingSeconds, samples: train.count * history.count, notebookSeconds: training.notebookSeconds,
                  ["final test loss: \(fixed(last.test.loss, 2)) nats per image after \(last.epoch) epochs",
                   "checkpoint: `checkpoint.bin` (continue with `--resume --epochs N`; draw with `--generate N`)"])
    guard status.isFinished else { return try report.write(to: run.output("report.md")) }
    try run.finish(report, configuration: configuration.merging(["epochs": "\(epochs)", "zoom": "\(zoom)"]) { a, _ in a }, metrics: last.metrics,
                   pictures: ["samples.png", "reconstructions.png"], data: train.fingerprint + "-" + test.fingerprint)
}

/// The section that puts this VAE beside chapter 3's GAN: the same digits, the same yardstick.
func beside(_ last: VAEEpoch, in report: Report) {
    report.heading("Beside chapter 3's GAN")
    guard let gan = besideTheGAN() else {
        return report.paragraph("Chapter 3's reference run was not found at `\(options.ganReference)` (pass `--gan-reference <folder>`).")
    }
    let ganEpochs = gan.metrics.configuration["epochs"] ?? "?"
    func number(_ value: Double?, _ decimals: Int) -> String { value.map { fixed($0, decimals) } ?? "–" }
    func share(_ value: Double?) -> String { value.map { "\(fixed(100 * $0, 1))%" } ?? "–" }
    report.table(["", "chapter 3's GAN (reference run, \(ganEpochs) epochs)", "this VAE (epoch \(last.epoch))"], [
        ["Fréchet distance (lower is better)", number(gan.metrics.metrics["Fréchet distance"], 2), number(last.score?.frechetDistance, 2)],
        ["rarest digit's share (10% is even)", share(gan.metrics.metrics["rarest digit share"]), share(last.score?.rarestShare)],
    ])
    if gan.picture {
        report.paragraph("Two rows of the GAN's samples (above) and two of the VAE's (below):")
        report.image("the GAN's samples above, the VAE's below", "beside-gan.png")
    }
    report.paragraph("""
        The VAE's digits are smooth but blurry; the GAN's are sharp but speckled. Each model draws what its loss rewards. \
        The VAE's reconstruction term is a sum of per-pixel cross-entropies: where the decoder is unsure whether a stroke runs \
        here or a pixel further, gray in both places costs less than a confident guess that may be wrong, so it hedges, and \
        hedging looks like blur. The GAN's generator is never told any pixel's value: it is only told whether D can tell its \
        images from real ones, and D notices blur at once, so G commits to sharp strokes, and is not punished for the stray \
        pixels D has not learnt to notice. The VAE's encoder sees every training digit and the KL term leaves no region of \
        codes unused, so it cannot simply drop a digit; a GAN's generator is never shown the digits it fails to draw, so it \
        can (chapter 3's mode collapse). A blurry sample is also harder to classify (blur makes 4s and 9s, 3s and 5s alike), \
        which shows in the class shares too.
        """)
    if let mine = last.score?.frechetDistance, let theirs = gan.metrics.metrics["Fréchet distance"] {
        report.paragraph(mine > theirs
            ? "Here the GAN's Fréchet distance is the lower (better) one: blur moves every sample's features away from real digits', while speckles move them less."
            : "Here the VAE's Fréchet distance is the lower (better) one: try a longer GAN run before you conclude.")
    }
}

/// Two batches of images as alternate rows of `perRow`: the first row of `a`, then of `b`, and so on.
func stackedRows(_ a: Tensor, _ b: Tensor, perRow: Int) -> Tensor {
    let out = Tensor(shape: [a.rows + b.rows, a.columns])
    var row = 0
    for first in stride(from: 0, to: a.rows, by: perRow) {
        for source in [a, b] {
            for i in first..<min(first + perRow, source.rows) {
                (out.data + row * a.columns).update(from: source.data + i * a.columns, count: a.columns)
                row += 1
            }
        }
    }
    return out
}

exitOnError { try writeNotebook(.finished(elapsed: run.elapsed)) }
let final = training.history.last!
print("Final test loss \(fixed(final.test.loss, 2)) nats per image (reconstruction \(fixed(final.test.reconstruction, 2)) + KL \(fixed(final.test.divergence, 2))) "
      + "after \(final.epoch) epochs; \(Int(Double(train.count * training.history.count) / training.trainingSeconds)) images/s; wall time \(formatDuration(run.elapsed))")
print("Wrote \(run.outputFolder.path)/: samples.png, reconstructions.png, progress.png, interpolation.png, epoch-*.png, charts, report.md, checkpoint.bin")
