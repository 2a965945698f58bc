// Appendix C: a GAN's game where everything can be seen, on the line and in the plane.
//
// Read this file beside chapters/C-gan-dynamics.md. The GAN is chapter 3's, shrunk to points:
// G turns a small z into a point (1 or 2 numbers), D says how likely a point is real. With so few
// numbers we can draw what chapter 3 could not: D's belief everywhere, and where G puts its points.
//
//     swift run gan-dynamics                                   # the ring of 8 Gaussians, about 20 seconds
//     swift run gan-dynamics --data line                       # the GAN paper's Figure 1, in one dimension
//     swift run gan-dynamics --lr 0.0001 --d-steps 5           # a collapse (see the text)
//     swift run gan-dynamics --lr 0.0001 --d-steps 5 --minibatch-deviation   # and its cure
//     swift run gan-dynamics --latent 64 --lr 0.0001 --d-steps 5 --loss wasserstein-gp --steps 30000   # chapter 7's

import ArgumentParser
import Backprop
import Foundation
import Models
import Workbook

// MARK: - 1. Configuration

extension ToyDistribution: ExpressibleByArgument {}
/// D's game: chapter 3's (D a classifier, binary cross-entropy), or chapter 7's (D a critic whose
/// gradient is penalised: Models/Steps/WassersteinStep.swift).
enum Loss: String, ExpressibleByArgument { case gan, wassersteinGP = "wasserstein-gp" }

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gan-dynamics",
        abstract:
            "Watch a small GAN learn points on a line or in the plane: D's belief, G's samples, the modes it covers.")

    @Option(
        help: ArgumentHelp(
            "Training steps, 100 to 1000000 (default: 10000 in the plane, 2000 on the line).", valueName: "N"))
    var steps: Int?
    @Option(help: "The data: line (one Gaussian), mixture (two, on the line), ring (8 in a circle) or grid (5 x 5).")
    var data: ToyDistribution = .ring
    @Option(help: ArgumentHelp("Steps between snapshots (default: the steps / 40).", valueName: "N"))
    var every: Int?
    @Option(name: .customLong("batch-size"), help: "Points per training step, 1 to 60000 (default: 256).")
    var batchSize = 256
    @Option(
        name: .customLong("lr"),
        help: "The optimiser's learning rate, above 0 and at most 10 (default: 0.001 in the plane, 0.0001 on the line)."
    )
    var learningRate: Float?
    @Option(
        name: .customLong("d-lr"),
        help: ArgumentHelp("D's learning rate alone, above 0 and at most 10 (default: --lr).", valueName: "lr"))
    var discriminatorLearningRate: Float?
    @Option(name: .customLong("d-steps"), help: "Discriminator steps per generator step (more: a stronger D).")
    var discriminatorSteps = 1
    @Option(help: ArgumentHelp("Numbers in z, 1 to 64 (default: as many as the data's dimensions).", valueName: "n"))
    var latent: Int?
    @Option(help: ArgumentHelp("Units in each of the two hidden layers of G and of D, 2 to 1024.", valueName: "n"))
    var hidden = 128
    @Option(
        name: .customLong("instance-noise"),
        help: ArgumentHelp(
            "Add N(0, σ²) noise to every point D sees, real or fake, 0 to 10 (a remedy for mode collapse).",
            valueName: "σ"))
    var instanceNoise: Float = 0
    @Flag(
        name: .customLong("minibatch-deviation"),
        help: "Give D the batch's spread as one more feature (a remedy for mode collapse).")
    var minibatchDeviation = false
    @Option(help: "D's loss: gan (chapter 3's) or wasserstein-gp (chapter 7's critic with a gradient penalty).")
    var loss: Loss = .gan
    @Flag(name: .customLong("spectral-norm"),
          help: "Spectral normalisation of D's layers (in place of the penalty, with --loss wasserstein-gp).")
    var spectralNorm = false
    @Flag(help: "Continue from the checkpoint in the output folder (same settings).")
    var resume = false
    @OptionGroup var run: RunOptions

    func validate() throws {
        try require(
            (100...1_000_000).contains(steps ?? 100), "--steps must be between 100 and 1000000 (got \(steps ?? 0))")
        try require(
            (1...(steps ?? data.defaultSteps)).contains(every ?? 1),
            "--every must be between 1 and the steps (got \(every ?? 0))")
        try require((1...60_000).contains(batchSize), "--batch-size must be between 1 and 60000 (got \(batchSize))")
        try require(batchSize > 1 || !minibatchDeviation, "--minibatch-deviation needs a batch of 2 or more")
        try require(
            learningRate.map { $0.isFinite && $0 > 0 && $0 <= 10 } ?? true,
            "--lr must be above 0 and at most 10 (got \(learningRate ?? 0))")
        try require(
            discriminatorLearningRate.map { $0.isFinite && $0 > 0 && $0 <= 10 } ?? true,
            "--d-lr must be above 0 and at most 10 (got \(discriminatorLearningRate ?? 0))")
        try require(
            (1...10).contains(discriminatorSteps), "--d-steps must be between 1 and 10 (got \(discriminatorSteps))")
        try require((1...64).contains(latent ?? 1), "--latent must be between 1 and 64 (got \(latent ?? 0))")
        try require(
            instanceNoise.isFinite && (0...10).contains(instanceNoise),
            "--instance-noise must be between 0 and 10 (got \(instanceNoise))")
        try require((2...1024).contains(hidden), "--hidden must be between 2 and 1024 (got \(hidden))")
        if loss == .wassersteinGP {   // chapter 7's step: one learning rate, no noise, a critic it can differentiate twice
            try require(instanceNoise == 0 && discriminatorLearningRate == nil,
                        "--instance-noise and --d-lr go with --loss gan")
            try require(!minibatchDeviation || spectralNorm,
                        "--minibatch-deviation cannot be differentiated twice: with --loss wasserstein-gp add --spectral-norm")
        }
        try require(
            run.limit == nil && run.dataDir == nil,
            "gan-dynamics draws its own data: --limit and --data-dir do not apply")
    }
}

let options = Options.parseOrExit()
let data = options.data, dimensions = data.dimensions
let steps = options.steps ?? data.defaultSteps, every = options.every ?? max(1, steps / 40)
let learningRate = options.learningRate ?? data.defaultLearningRate
let batchSize = options.batchSize, latentSize = options.latent ?? dimensions, hidden = options.hidden
let run = exitOnError {
    // gan-dynamics-ring; with chapter 7's critic gan-dynamics-ring-wasserstein-gp (-spectral-norm): a folder each
    try Run(chapter: "gan-dynamics-\(data.rawValue)" + (options.loss == .gan ? "" : "-\(options.loss.rawValue)")
                + (options.spectralNorm ? "-spectral-norm" : ""), program: "gan-dynamics", options: options.run)
}
let rng = RandomGenerator(seed: options.run.seed)

// MARK: - 2. Models
// Chapter 3's GAN with points for images: two hidden layers of 128 ReLU units each. G ends in a
// plain Linear layer (a point can be anywhere, so no tanh); D ends in one logit.
//
//     G: z [B, n] -> 128 -> 128 -> point [B, d]        D: point [B, d] -> 128 -> 128 -> logit [B, 1]
//
// With --minibatch-deviation, D's first hidden layer gets one more feature: the spread of its
// values over the batch (Sources/Backprop/Layers/MinibatchDeviation.swift).

let generator = perceptron([latentSize, hidden, hidden, dimensions], activation: .relu, rng: rng)
generator.needsInputGradient = false
let deviation = options.minibatchDeviation ? MinibatchDeviation() : nil
let discriminator = Sequential(
    [Linear(dimensions, hidden, rng: rng), ReLU()] + (deviation.map { [$0] } ?? [])
        + [Linear(hidden + (deviation == nil ? 0 : 1), hidden, rng: rng), ReLU(), Linear(hidden, 1, rng: rng)])
// --spectral-norm: every Linear layer of D divides its weight by its largest singular value (chapter 7).
if options.spectralNorm { discriminator.normalizeSpectrally(rng: rng) }
// --loss wasserstein-gp: chapter 7's step, called with fresh points --d-steps times per step (its G
// learns after the last); it brings its own optimisers (Adam with β1 = 0, β2 = 0.9).
let critic = options.loss == .gan ? nil : WassersteinStep(
    generator: generator, critic: discriminator,
    constraint: options.spectralNorm ? .spectralNormalization : .gradientPenalty(weight: 10), learningRate: learningRate,
    latent: .normal, latentSize: latentSize, criticSteps: options.discriminatorSteps, rng: rng)
let generatorOptimizer = critic?.generatorOptimizer
    ?? Adam(generator.parameters, learningRate: learningRate, beta1: 0.5, beta2: 0.999)
let discriminatorLearningRate = options.discriminatorLearningRate ?? learningRate
let discriminatorOptimizer = critic?.discriminatorOptimizer ?? Adam(
    discriminator.parameters, learningRate: discriminatorLearningRate, beta1: 0.5, beta2: 0.999)
let bce = BCEWithLogitsLoss()

// The settings, declared once: the report's table and metrics.json.
var settings = Settings(
    [
        "data": data.rawValue, "steps": steps, "every": every, "batch size": batchSize, "learning rate": learningRate,
        "D learning rate": discriminatorLearningRate, "D steps": options.discriminatorSteps, "latent": latentSize,
        "hidden": hidden,
        "minibatch deviation": options.minibatchDeviation, "instance noise": options.instanceNoise,
    ], run: options.run)
if options.loss != .gan || options.spectralNorm {   // named only when used: runs without them read as before
    settings.add("loss", options.loss.rawValue)
    settings.add("spectral norm", "\(options.spectralNorm)")
}

// MARK: - 3. What every snapshot looks at
// 2,000 fixed z (the same points of G's every time, so the pictures show G moving), 1,000 real
// points, and D's belief on a grid over the line or the plane.

let fixedZ = Tensor(shape: [0]), shownReal = Tensor(shape: [0])
fixedZ.reshape(to: [2000, latentSize]); fixedZ.fillNormal(using: RandomGenerator(seed: options.run.seed &+ 7919))
data.sample(shownReal, count: 1000, using: RandomGenerator(seed: options.run.seed &+ 104_729))
let plane = PlanePicture(side: 300, extent: data.extent.upperBound)
let grid = dimensions == 1 ? data.lineGrid(400) : plane.pixelCentres()   // where D's belief is drawn

/// One snapshot: the step, the mean losses and beliefs since the last one, and what G's points cover.
struct Snapshot: Codable {
    var step: Int
    var discriminatorLoss: Double, generatorLoss: Double, realScore: Double, fakeScore: Double
    var coverage: ModeCoverage
    /// On the line: the mean of |D(x) − 1/2| over the data's distribution (0 when D cannot tell at all).
    var distanceFromHalf: Double?
    /// On the line: at the grid's points x, the data's density, G's and D's belief (for the strip).
    var x: [Double]?, dataDensity: [Double]?, generatedDensity: [Double]?, belief: [Double]?
}
/// What the loop records of a round of steps: its snapshot (the first round's also the one taken
/// before any step), kept in checkpoints so that a resumed run draws every snapshot.
struct Round: Codable { var snapshots: [Snapshot] }
var beforeTraining: [Snapshot] = []
var allSnapshots: [Snapshot] { training.history.flatMap(\.snapshots) + beforeTraining }

/// D's probabilities of "real" at the grid's points. With minibatch deviation D's answer depends on
/// the batch a point comes in: here, a batch as spread as G's current points (measured first).
func beliefs(generated: Tensor) -> [Float] {
    if let deviation {
        _ = discriminator.forward(generated)
        deviation.fixedDeviation = deviation.lastDeviation
    }
    defer { deviation?.fixedDeviation = nil }
    let logits = discriminator.forward(grid)
    guard critic != nil else { return (0..<logits.count).map { sigmoid(logits[$0]) } }
    // A critic's scores are not probabilities: the picture spreads them over [0, 1], lowest to highest.
    let scores = logits.values, low = scores.min()!, high = max(scores.max()!, low + 1e-6)
    return scores.map { ($0 - low) / (high - low) }
}

// MARK: - 4. Training: D and G take turns, as in chapter 3
// The step is chapter 3's (Sources/Models/Steps/GANStep.swift) written out again, not called: here
// D's real points are drawn afresh from the distribution at each of its steps, and --instance-noise
// adds noise to every point D sees. Both change what the step does, so it cannot be GANStep itself.

/// The points as D sees them: with --instance-noise σ, each number plus N(0, σ²) noise, drawn anew
/// every time (a copy: G's own output stays as it is). The gradient passes the addition unchanged.
let noisyReal = Tensor(shape: [0]), noisyFake = Tensor(shape: [0])
func seenByD(_ points: Tensor, _ copy: Tensor) -> Tensor {
    guard options.instanceNoise > 0 else { return points }
    copy.reshape(to: points.shape)
    copy.fillNormal(using: rng, std: options.instanceNoise)
    copy.add(points)
    return copy
}

// The bookkeeping (Workbook/Training/TrainingLoop.swift): steps in rounds of `every`, a snapshot,
// a checkpoint and the notebook after each; a loss that is not a number, or Ctrl-C, ends the run.
let training = TrainingLoop<GANStepNumbers, Round>(
    run: run, subject: "on \(data.rawValue)", rng: rng, configuration: settings.checkpoint,
    models: [("G", generator), ("D", discriminator)],
    optimizers: [("G.adam", generatorOptimizer), ("D.adam", discriminatorOptimizer)],
    steps: steps, every: every, roundName: "snapshot")
// Where G starts: its initial weights put every point near 0. Taken before --resume restores the
// saved weights, as a resumed run starts from the same seed: the same first snapshot, even when
// Ctrl-C came before the first round ended (a resumed run past it keeps it in its history).
let (start, startPicture) = measure(step: 0, means: nil)
exitOnError { try training.begin(resuming: options.resume, notebook: writeNotebook) }
if training.history.isEmpty {
    beforeTraining = [start]
    exitOnError { try drawSnapshot(start, startPicture) }
}
print(
    "\(data.rawValue): \(data.modes.count) mode\(data.modes.count == 1 ? "" : "s"), \(steps) steps, batch \(batchSize), "
        + "a snapshot every \(every) steps")
let trainingStart = Date()

let real = Tensor(shape: [0]), z = Tensor(shape: [0])
let realTargets = Tensor(shape: [batchSize, 1]), fakeTargets = Tensor(shape: [batchSize, 1])
realTargets.fill(1); fakeTargets.fill(0)

exitOnError {
    for round in training.epochsToTrain {
        for step in training.beginEpoch(round) {
            if let critic {   // chapter 7's critic steps on fresh points; G's step comes after the last
                var numbers: GANStepNumbers?
                for _ in 0..<options.discriminatorSteps {
                    data.sample(real, count: batchSize, using: rng)
                    numbers = critic(real: real)
                }
                try training.endStep(step, numbers!)
                continue
            }
            // The discriminator's step(s): real points (target 1), then G's points (target 0).
            discriminator.isFrozen = false
            discriminator.needsInputGradient = false
            var dLoss = 0.0, realScore = 0.0, fakeScore = 0.0
            for _ in 0..<options.discriminatorSteps {
                discriminatorOptimizer.zeroGradients()
                data.sample(real, count: batchSize, using: rng)                    // x ~ the data: [B, d]
                let realLogits = discriminator.forward(seenByD(real, noisyReal))    // D(x) as logits: [B, 1]
                realScore = meanProbability(realLogits)
                dLoss = Double(bce.forward(realLogits, realTargets))                // -log D(x)
                _ = discriminator.backward(bce.backward())

                z.reshape(to: [batchSize, latentSize]); z.fillNormal(using: rng)    // z ~ N(0, 1): [B, n]
                // D(G(z)), G detached
                let fakeLogits = discriminator.forward(seenByD(generator.forward(z), noisyFake))
                fakeScore = meanProbability(fakeLogits)
                dLoss += Double(bce.forward(fakeLogits, fakeTargets))               // -log(1 - D(G(z)))
                _ = discriminator.backward(bce.backward())
                discriminatorOptimizer.step()
            }

            // The generator's step: move G's points to where D says "real", through a frozen D.
            discriminator.isFrozen = true
            discriminator.needsInputGradient = true
            z.fillNormal(using: rng)
            generatorOptimizer.zeroGradients()
            let fake = generator.forward(z)  // G(z): [B, d]
            // -log D(G(z)): non-saturating
            let gLoss = Double(bce.forward(discriminator.forward(seenByD(fake, noisyFake)), realTargets))
            _ = generator.backward(discriminator.backward(bce.backward()))  // dLoss/dG(z), then into G
            generatorOptimizer.step()

            try training.endStep(
                step, GANStepNumbers(discriminatorLoss: dLoss, generatorLoss: gLoss, realScore: realScore, fakeScore: fakeScore))
        }
        let snapshot = try takeSnapshot(step: min(round * every, steps), means: training.epochMeans)
        let covered = "modes \(snapshot.coverage.covered)/\(data.modes.count)"
        try training.endEpoch(Round(snapshots: beforeTraining + [snapshot]), status: covered)
        beforeTraining = []
    }
    try writeNotebook(.finished(elapsed: run.elapsed))
}

// MARK: - 5. Snapshots: what D believes, where G's points are

/// The snapshot at `step`: G's 2,000 points and what they cover, D's belief, and the step numbers'
/// means since the last one (none before the first step); on the line the latest chart, in the
/// plane the step's picture.
func takeSnapshot(step: Int, means: GANStepNumbers?) throws -> Snapshot {
    let (snapshot, picture) = measure(step: step, means: means)
    try drawSnapshot(snapshot, picture)
    return snapshot
}

/// The snapshot's numbers, and in the plane its picture (D's belief with both sets of points).
func measure(step: Int, means: GANStepNumbers?) -> (Snapshot, Image?) {
    let generated = draw(generator, fixedZ)                                     // G's 2,000 points now
    let coverage = data.coverage(of: generated)
    let belief = beliefs(generated: generated)
    let numbers = means?.values ?? [.nan, .nan, .nan, .nan]  // no steps yet at step 0
    var snapshot = Snapshot(
        step: step, discriminatorLoss: numbers[0], generatorLoss: numbers[1], realScore: numbers[2],
        fakeScore: numbers[3], coverage: coverage)
    if dimensions == 1 {
        let xs = (0..<grid.rows).map { Double(grid[$0, 0]) }
        let dataDensity = xs.map(data.density)
        let step = (xs[1] - xs[0])
        snapshot.distanceFromHalf = zip(dataDensity, belief).reduce(0.0) { $0 + $1.0 * abs(Double($1.1) - 0.5) * step }
        (snapshot.x, snapshot.dataDensity) = (xs, dataDensity)
        (snapshot.generatedDensity, snapshot.belief) = (kernelDensity(of: generated, at: xs), belief.map(Double.init))
        return (snapshot, nil)
    }
    return (snapshot, plane.draw(probabilities: belief, real: shownReal, generated: generated))
}

/// On the line the latest chart; in the plane the step's picture.
func drawSnapshot(_ snapshot: Snapshot, _ picture: Image?) throws {
    if let picture {
        try PNG.write(picture, to: run.output(String(format: "step-%07d.png", snapshot.step)))
    } else {
        try lineChart(snapshot).draw(into: run.outputFolder, name: "latest")
    }
}

/// The data's density, G's (a kernel estimate from its 2,000 points) and D(x), for a snapshot on the line.
func lineChart(_ snapshot: Snapshot) -> Chart {
    let xs = snapshot.x ?? []
    func curve(_ ys: [Double]?) -> [(x: Double, y: Double)] { Array(zip(xs, ys ?? [])).map { ($0, $1) } }
    var chart = Chart(
        title: "step \(snapshot.step)", xLabel: "x", yLabel: "density, D(x)",
        series: [
            .init("data", curve(snapshot.dataDensity), style: "lines lc rgb 'black'"),
            .init("G's points", curve(snapshot.generatedDensity), style: "lines lc rgb '#2ca02c'"),
            .init("D(x)", curve(snapshot.belief), style: "lines dt 2 lc rgb '#1f77b4'"),
        ], key: "top left")
    chart.settings = ["set yrange [0:1.05]", "set xrange [\(data.extent.lowerBound):\(data.extent.upperBound)]"]
    return chart
}




// MARK: - 6. Outputs: pictures, charts and tables, woven into chapters/C-gan-dynamics.md

func writeNotebook(_ status: RunStatus) throws {
    let snapshots = allSnapshots
    let last = snapshots.last!, isPlane = dimensions == 2
    let notebook = Notebook(run: run, settings: settings)
    let latest = isPlane ? String(format: "step-%07d.png", last.step) : "latest.png"
    notebook.add(
        "latest", "The latest snapshot (step \(last.step))",
        "![the latest snapshot, step \(last.step)](\(latest))\n\n"
            + (isPlane
                ? "G covers \(last.coverage.covered) of the \(data.modes.count) modes; "
                  + "\(fixed(100 * last.coverage.goodShare, 1))% of its points are good."
                : "Over the data D is on average \(fixed(last.distanceFromHalf ?? 0, 3)) away from 1/2."))
    let chosen = logSpacedChoice(isPlane ? 6 : 5, of: snapshots.map(\.step), every: every, last: steps)   // for the strip
    if status.isFinished {
        if isPlane {
            let pictures = try chosen.map {
                try PNG.read(run.output(String(format: "step-%07d.png", snapshots[$0].step)))
            }
            try PNG.write(makeGrid(pictures, perRow: 3, padding: 4, background: 255), to: run.output("snapshots.png"))
        } else {
            try Chart.drawStrip(
                chosen.map { lineChart(snapshots[$0]) }, title: "The data (black), G (green) and D(x) (dashed)",
                into: run.outputFolder,
                name: "snapshots")
        }
        notebook.add(
            "snapshot steps", "The snapshots in the strip",
            "Steps " + chosen.map { "\(snapshots[$0].step)" }.joined(separator: ", ") + ".")
        try writeSamples()
    } else {
        // the strip is drawn at the end
        notebook.add("snapshots.png", "The latest snapshot", "![the latest snapshot, step \(last.step)](\(latest))")
    }
    notebook.table(
        "snapshots", "Snapshot by snapshot",
        ["step", "D loss", "G loss", "D(x)", "D(G(z))", "modes covered", "good points"]
            + (isPlane ? [] : ["D's distance from 1/2"]),
        snapshots.map { s in
            [
                "\(s.step)", number(s.discriminatorLoss), number(s.generatorLoss), number(s.realScore),
                number(s.fakeScore),
                "\(s.coverage.covered)/\(s.coverage.modes)", "\(fixed(100 * s.coverage.goodShare, 1))%",
            ]
                + (isPlane ? [] : [fixed(s.distanceFromHalf ?? 0, 3)])
        })
    let steps = snapshots.map { Double($0.step) }
    var coverageChart = Chart(
        title: "What G's points cover", xLabel: "step", yLabel: "share",
        series: [
            .init(
                "modes covered (share of \(data.modes.count))",
                Array(zip(steps, snapshots.map { Double($0.coverage.covered) / Double($0.coverage.modes) })).map {
                    ($0, $1)
                }, style: "linespoints"),
            .init(
                "good points", Array(zip(steps, snapshots.map(\.coverage.goodShare))).map { ($0, $1) },
                style: "linespoints"),
        ]
            + (isPlane
                ? []
                : [
                    .init(
                        "D's distance from 1/2 over the data",
                        Array(zip(steps, snapshots.map { $0.distanceFromHalf ?? 0 })).map { ($0, $1) },
                        style: "linespoints")
                ]),
        key: "bottom right")
    coverageChart.settings = ["set yrange [0:1.05]"]
    notebook.chart(
        "coverage", "Coverage", try coverageChart.draw(into: run.outputFolder, name: "coverage"),
        caption: "modes covered and good points per snapshot")
    let trained = snapshots.filter { $0.step > 0 }
    let lossChart = Chart(
        title: "Losses", xLabel: "step", yLabel: "loss",
        series: [
            .init("D", trained.map { (Double($0.step), $0.discriminatorLoss) }, style: "linespoints"),
            .init("G", trained.map { (Double($0.step), $0.generatorLoss) }, style: "linespoints"),
        ])
    notebook.chart(
        "loss", "Losses", try lossChart.draw(into: run.outputFolder, name: "loss"), caption: "D and G losses")
    if isPlane {
        notebook.add(
            "every snapshot", "Every snapshot",
            "Every snapshot is kept: "
                + snapshots.map { String(format: "[%d](step-%07d.png)", $0.step, $0.step) }.joined(separator: ", ")
                + ".")
    }
    notebook.bullets(
        "time", "Time",
        [
            "training and snapshots: \(formatDuration(Date().timeIntervalSince(trainingStart))) on \(run.threads) "
                + "threads",
            "G's final points: `samples.dat` (\(dimensions == 1 ? "x" : "x y") a line, 2,000 lines)",
        ])
    guard status.isFinished else { return try notebook.write(status) }
    var metrics: [String: Double] = [
        "D loss": last.discriminatorLoss, "G loss": last.generatorLoss, "D(x)": last.realScore,
        "D(G(z))": last.fakeScore,
        "modes covered": Double(last.coverage.covered), "good points": last.coverage.goodShare,
    ]
    if let distance = last.distanceFromHalf { metrics["D distance from half"] = distance }
    metrics[RunMetrics.trainingSeconds] = Date().timeIntervalSince(trainingStart)   // training and snapshots
    try notebook.finish(metrics: metrics, pictures: [latest], data: "toy \(data.rawValue)")
}

/// A mean for the table, or a dash before the first step.
func number(_ value: Double) -> String { value.isNaN ? "–" : fixed(value, 3) }

/// G's final 2,000 points as plain text, one a line, for gnuplot, a spreadsheet or numpy.loadtxt.
func writeSamples() throws {
    let points = draw(generator, fixedZ)
    var text = "# G's points after \(steps) steps (gan-dynamics --data \(data.rawValue)), one a line\n"
    for i in 0..<points.rows { text += (0..<dimensions).map { "\(points[i, $0])" }.joined(separator: " ") + "\n" }
    try Disk.write(text, to: run.output("samples.dat"), kind: .data)
}

let final = allSnapshots.last!
print(
    "Done: \(steps) steps in \(formatDuration(Date().timeIntervalSince(trainingStart))). G covers "
        + "\(final.coverage.covered) of \(data.modes.count) modes; "
        + "\(fixed(100 * final.coverage.goodShare, 1))% of its points are good. Wrote \(run.outputFolder.path)/: "
        + "snapshots.png, report.md, samples.dat"
)
