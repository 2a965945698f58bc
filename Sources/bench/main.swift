// The workbook's benchmark: the training steps of every chapter's default configuration (the very
// functions the chapters train with: Sources/Models/Steps/), and the matmul kernels alone on the
// shapes those networks use. Compare it with the PyTorch peer (../shared/peers/torch_ref.py) run on the same
// machine at the same time.
//
//     swift run -c release bench                  # everything
//     swift run -c release bench --only steps     # or: kernels
//     swift run -c release bench --json bench.json
//
// FLOP counts follow torch_ref.py exactly, so the GFLOP/s columns of the two are comparable.

import ArgumentParser
import Backprop
import Foundation
import Models
import Workbook

enum Part: String, ExpressibleByArgument, CaseIterable { case steps, kernels, convolutions }

/// The training steps, by torch_ref.py's names.
enum StepModel: String, ExpressibleByArgument, CaseIterable {
    case ae, dae, gan, ganTiny = "gan-tiny", celeba, vae, dcgan, dcganMNIST = "dcgan-mnist", wganGP = "wgan-gp"
    case wganGPConv = "wgan-gp-conv"
    case diffusion
}

/// The kernel shapes: every Linear layer of the chapters' networks at its batch size.
let kernelShapes: [(label: String, m: Int, k: Int, n: Int)] = [
    ("784->128 b32", 32, 784, 128), ("784->1024 b64", 64, 784, 1024), ("1024->784 b64", 64, 1024, 784),
    ("784->1024 b128", 128, 784, 1024), ("1024->512 b128", 128, 1024, 512), ("512->256 b128", 128, 512, 256),
    ("1024->784 b128", 128, 1024, 784), ("784->400 b128", 128, 784, 400), ("400->784 b128", 128, 400, 784),
    ("12288->1024 b128", 128, 12288, 1024), ("1024->12288 b128", 128, 1024, 12288),
]

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time every chapter's training step and the matmul kernels (appendix B).")

    @Option(help: "Only the training steps or only the kernels (default: both).")
    var only: Part?
    @Option(
        help: "Only this training step: \(StepModel.allCases.map(\.rawValue).joined(separator: ", ")) (default: all).")
    var model: StepModel?
    @Option(help: "The DCGAN steps' width, ngf = ndf (1 to 256), as torch_ref.py's --width.")
    var width = 64
    @Option(help: "Timed runs per measurement, 1 to 1000; the median is reported.")
    var runs = 5
    @Option(help: ArgumentHelp("Only this kernel shape, such as \"784->1024 b128\".", valueName: "label"))
    var shape: String?
    @Option(help: "The clock rate for the peak FLOP figure, in GHz (default: the peak is measured).")
    var ghz: Double?
    @Option(help: ArgumentHelp("Also write the results to this JSON file.", valueName: "file"))
    var json: String?
    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        try require((1...1000).contains(runs), "--runs must be between 1 and 1000 (got \(runs))")
        try require((1...256).contains(width), "--width must be between 1 and 256 (got \(width))")
        try require(
            shape.map { label in kernelShapes.contains { $0.label == label } } ?? true,
            "--shape must be one of: \(kernelShapes.map(\.label).joined(separator: ", ")) (got \(shape ?? ""))")
        try require(
            ghz.map { $0.isFinite && $0 > 0 && $0 < 20 } ?? true,
            "--ghz must be a clock rate above 0 and below 20 (got \(ghz ?? 0))")
        try require(json.map { !$0.isEmpty } ?? true, "--json needs a file name")
    }

    func run() throws {
        if let threads = threading.threads { Parallel.threads = threads }
        var results: [[String: Any]] = []
        if only == nil || only == .steps { results += benchmarkSteps() }
        if only == nil || only == .kernels { results += benchmarkKernels() }
        if only == nil || only == .convolutions { results += benchmarkConvolutions() }
        if let json {
            let data = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
            do { try data.write(to: URL(fileURLWithPath: json)) } catch {
                throw WorkbookError("cannot write \(json): \(error.localizedDescription)")
            }
            print("\nWrote \(json)")
        }
    }

    func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// The median over `runs` timed repetitions of `body`, after one untimed warm-up.
    func medianSeconds(_ body: () -> Void) -> Double {
        body()
        let times = (0..<runs).map { _ -> Double in let start = now(); body(); return now() - start }.sorted()
        return times[runs / 2]
    }

    // MARK: Training steps

    func benchmarkSteps() -> [[String: Any]] {
        var results: [[String: Any]] = []
        print("Training steps on \(Parallel.threads) threads (median of \(runs) runs after a warm-up)")
        print("model                          batch   ms/step   samples/s   GFLOP/s  allocations")
        for kind in StepModel.allCases where model.map({ $0 == kind }) ?? true {
            // built only when selected: chapter 4's model alone has 26 million weights
            let b = makeStep(kind, width: width)
            let steps = max(3, Int(2e10 / b.flopsPerStep))  // about 20 GFLOP per timed run
            let seconds = medianSeconds { for _ in 0..<steps { b.step() } } / Double(steps)
            let before = Allocations.sinceStart   // warmed up: a step should allocate no float memory
            b.step()
            print(
                b.name.padding(toLength: 30, withPad: " ", startingAt: 0)
                    + String(
                        format: " %6d %9.2f %11.0f %9.1f %12d", b.batch, seconds * 1e3, Double(b.batch) / seconds,
                        b.flopsPerStep / seconds / 1e9,
                        Allocations.sinceStart - before))
            results.append([
                "kind": "step", "model": b.name, "batch": b.batch, "threads": Parallel.threads,
                "ms_per_step": seconds * 1e3,
                "samples_per_second": Double(b.batch) / seconds, "gflops": b.flopsPerStep / seconds / 1e9,
            ])
        }
        return results
    }

    // MARK: Convolutions

    /// Every convolution of chapter 6's networks (faces and digits, at --width), as layers on a
    /// batch of 128: forward, input gradient, weight gradient, in GFLOP/s (torch_ref.py's count:
    /// 2 · multiply-adds per example · 128).
    func benchmarkConvolutions() -> [[String: Any]] {
        var results: [[String: Any]] = []
        let rng = RandomGenerator(seed: 1)
        print(
            "\nConvolutions of chapter 6's networks at width \(width), batch 128, \(Parallel.threads) threads, "
                + "GFLOP/s (median of \(runs) runs;"
                + " the peak of \(Parallel.threads) cores: "
                + "\(String(format: "%.0f", Double(Parallel.threads) * peakGFLOPS())))"
        )
        print("layer                                      forward   input gradient   weight gradient")
        for networks in [DCGAN.faces(width: width), .digits(width: width)] {
            let (g, d) = networks.networks(rng: rng)
            var x = Tensor(shape: [128, networks.latentSize])
            x.fillNormal(using: rng)
            for (name, net) in [("G", g), ("D", d)] {
                if name == "D" {
                    x = Tensor(shape: [128, networks.imageSize]); x.fillUniform(using: rng, low: -1, high: 1)
                }
                var input = x
                for layer in net.layers {
                    let output = layer.forward(input)
                    let macs: Int
                    if let conv = layer as? Conv2d {
                        macs = output.count / 128 * conv.inChannels * conv.kernel * conv.kernel
                    } else if let conv = layer as? ConvTranspose2d {
                        macs = input.count / 128 * conv.outChannels * conv.kernel * conv.kernel
                    } else {
                        input = Tensor(copying: output)
                        continue
                    }
                    let flops = 2.0 * Double(macs) * 128, dy = Tensor(shape: output.shape)
                    dy.fillNormal(using: rng)
                    let forward = medianSeconds { _ = layer.forward(input) }
                    layer.isFrozen = true  // the input gradient alone
                    layer.needsInputGradient = true  // (G's first layer never needs it in training)
                    let inputGradient = medianSeconds { _ = layer.backward(dy) }
                    layer.isFrozen = false
                    layer.needsInputGradient = false                        // the weight gradient alone
                    let weightGradient = medianSeconds { _ = layer.backward(dy) }
                    layer.needsInputGradient = true
                    let rates = [forward, inputGradient, weightGradient].map { flops / $0 / 1e9 }
                    func shape(_ tensor: Tensor) -> String { tensor.shape.dropFirst().map(String.init).joined(separator: "x") }
                    let kind = networks.size == 64 ? "faces" : "digits"
                    let label = "\(kind) \(name) \(type(of: layer)) \(shape(input))->\(shape(output))"
                    print(
                        label.padding(toLength: 40, withPad: " ", startingAt: 0)
                            + rates.map { String(format: "%10.1f", $0) }.joined(separator: "       "))
                    results.append([
                        "kind": "convolution", "layer": label, "threads": Parallel.threads, "forward_gflops": rates[0],
                        "input_gradient_gflops": rates[1], "weight_gradient_gflops": rates[2],
                    ])
                    input = Tensor(copying: layer.forward(input))
                }
            }
        }
        return results
    }

    /// One core's FMA peak in GFLOP/s: FLOP per cycle times --ghz, or else measured.
    func peakGFLOPS() -> Double {
        let flopsPerCycle = MatmulTile.wide ? 64.0 : 32.0
        if let ghz { return flopsPerCycle * ghz }
        return MatmulTile.wide ? measuredPeak(Vector16.self) : measuredPeak(Vector8.self)
    }

    /// Twelve independent chains of FMAs on registers of `V`: nothing to wait for but the FMA
    /// units, so their rate is the most this core can do (the best of 5 runs of 0.05 s).
    func measuredPeak<V: SIMD>(_: V.Type) -> Double where V.Scalar == Float {
        let steps = 2_000_000
        var best = 0.0
        for _ in 0..<5 {
            var sums = (0..<12).map { V(repeating: Float($0) * 1e-3) }
            let factor = V(repeating: 0.999_999), start = now()
            sums.withUnsafeMutableBufferPointer { s in
                var (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11) = (
                    s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11]
                )
                for _ in 0..<steps / 12 {
                    a0 = a0.addingProduct(a0, factor); a1 = a1.addingProduct(a1, factor);
                    a2 = a2.addingProduct(a2, factor)
                    a3 = a3.addingProduct(a3, factor); a4 = a4.addingProduct(a4, factor);
                    a5 = a5.addingProduct(a5, factor)
                    a6 = a6.addingProduct(a6, factor); a7 = a7.addingProduct(a7, factor);
                    a8 = a8.addingProduct(a8, factor)
                    a9 = a9.addingProduct(a9, factor); a10 = a10.addingProduct(a10, factor);
                    a11 = a11.addingProduct(a11, factor)
                }
                (s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11]) = (
                    a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11
                )
            }
            let seconds = now() - start
            if sums.contains(where: { $0[0].isNaN }) { return 0 }   // keeps the sums alive
            best = max(best, Double(steps / 12 * 12) * Double(V.scalarCount) * 2 / seconds / 1e9)
        }
        return best
    }

    // MARK: Kernels

    func benchmarkKernels() -> [[String: Any]] {
        var results: [[String: Any]] = []
        let rng = RandomGenerator(seed: 1)
        let shapes = kernelShapes.filter { candidate in self.shape.map { $0 == candidate.label } ?? true }
        let threadCounts = [1, 2].filter { $0 <= max(Parallel.threads, 2) }
        // The core's peak: two FMA instructions per cycle, 2 FLOP per lane: 8 lanes with AVX2 (32 FLOP
        // a cycle), 16 with the AVX-512 tile (64; cores that split a 512-bit FMA in two reach half).
        // The clock /proc/cpuinfo states is often below the one the core runs at, so the peak the
        // shares are taken of is measured, unless --ghz gives the clock.
        let (flopsPerCycle, unit) = MatmulTile.wide ? (64.0, "AVX-512") : (32.0, "AVX2")
        let peak = peakGFLOPS()
        print(
            "\nOne core's \(unit) FMA peak: \(String(format: "%.0f", peak)) GFLOP/s "
                + (ghz.map { "(\(Int(flopsPerCycle)) FLOP/cycle x \(String(format: "%.2f", $0)) GHz)" }
                    ?? "(measured: \(Int(flopsPerCycle)) FLOP/cycle at \(String(format: "%.2f", peak / flopsPerCycle)) GHz; "
                    + "/proc/cpuinfo says "
                    + (cpuGigahertz().map { String(format: "%.2f GHz", $0) } ?? "nothing") + ")"))
        let savedThreads = Parallel.threads
        print(
            "\nMatmul kernels, GFLOP/s (median of \(runs) runs): X*W forward, dY*W^T input gradient, X^T*dY weight "
                + "gradient"
        )
        print("shape               threads        X*W     dY*W^T     X^T*dY")
        for shape in shapes {
            let (m, k, n) = (shape.m, shape.k, shape.n)
            let x = Tensor(shape: [m, k]), w = Tensor(shape: [k, n]), dy = Tensor(shape: [m, n])
            x.fillNormal(using: rng); w.fillNormal(using: rng); dy.fillNormal(using: rng)
            let y = Tensor(shape: [m, n]), dx = Tensor(shape: [m, k]), dw = Tensor(shape: [k, n])
            let flops = 2.0 * Double(m * k * n), repeats = max(1, Int(4e8 / flops))
            for threads in threadCounts {
                Parallel.threads = threads
                let forward = medianSeconds {
                    for _ in 0..<repeats { matmulForward(y.data, x.data, w.data, nil, m: m, k: k, n: n) }
                }
                let input = medianSeconds {
                    for _ in 0..<repeats { matmulBackwardInput(dx.data, dy.data, w.data, m: m, k: k, n: n) }
                }
                let weights = medianSeconds {
                    for _ in 0..<repeats { matmulBackwardWeights(dw.data, x.data, dy.data, m: m, k: k, n: n) }
                }
                let rates: [Double] = [forward, input, weights].map { flops * Double(repeats) / $0 / 1e9 }
                print(
                    shape.label.padding(toLength: 20, withPad: " ", startingAt: 0) + "\(threads)      "
                        + rates.map { String(format: "%10.1f", $0) }.joined(separator: " ")
                        + (threads == 1 && peak > 0
                            ? "   (" + rates.map { String(format: "%.0f%%", 100 * $0 / peak) }.joined(separator: " ")
                                + " of peak)" : ""))
                results.append([
                    "kind": "kernel", "shape": shape.label, "m": m, "k": k, "n": n, "threads": threads,
                    "forward_gflops": rates[0], "input_gradient_gflops": rates[1], "weight_gradient_gflops": rates[2],
                ])
            }
        }
        Parallel.threads = savedThreads
        return results
    }
}

// MARK: - The chapters' steps

/// The clock rate the kernel reports (Linux's /proc/cpuinfo), in GHz.
func cpuGigahertz() -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
        let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu MHz") }),
        let value = line.split(separator: ":").last.flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) })
    else { return nil }
    return value / 1000
}

struct StepBenchmark { let name: String; let batch: Int; let flopsPerStep: Double; let step: () -> Void }

func macs(_ sizes: [Int]) -> Int { zip(sizes, sizes.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 } }

/// The step of `kind` on synthetic data, with the chapter's networks, optimisers and batch size.
func makeStep(_ kind: StepModel, width: Int) -> StepBenchmark {
    let rng = RandomGenerator(seed: 1)
    switch kind {
    case .ae, .dae:  // chapter 1 (batch 32), chapter 2 (batch 64, Gaussian noise 0.5 on the input)
        let (model, batch, noise): (Layer, Int, Float) =
            kind == .ae
            ? (Autoencoder.undercomplete(rng: rng).autoencoder, 32, 0)
            : (Autoencoder.overcomplete(hidden: 1024, rng: rng), 64, 0.5)
        let step = AutoencoderStep(
            model: model, optimizer: Adam(model.parameters, learningRate: 1e-3, weightDecay: kind == .ae ? 1e-8 : 0))
        let clean = Tensor(shape: [batch, 784]), input = Tensor(shape: [batch, 784])
        clean.fillUniform(using: rng, low: 0, high: 1)
        let sizes = kind == .ae ? Autoencoder.encoderSizes + Autoencoder.decoderSizes.dropFirst() : [784, 1024, 784]
        return StepBenchmark(name: kind == .ae ? "ae (chapter 1)" : "dae (chapter 2)", batch: batch,
                             flopsPerStep: Double(3 * 2 * batch * macs(sizes))) {
            if noise > 0 {
                input.fillNormal(using: rng, std: noise)
                for i in 0..<input.count { input[i] = min(max(clean[i] + input[i], 0), 1) }
            } else {
                input.copy(from: clean)
            }
            _ = step(input: input, target: clean)
        }
    // chapter 3: --preset classic (batch 128) and --preset small (batch 64, z ~ U(-1, 1), lr 0.002)
    case .gan, .ganTiny:
        let networks = kind == .gan ? MLPGAN.digits : .smallDigits
        let batch = kind == .gan ? 128 : 64, rate: Float = kind == .gan ? 2e-4 : 0.002
        let (g, d) = networks.networks(rng: rng)
        let step = GANStep(
            generator: g, discriminator: d, learningRate: rate,
            latent: kind == .gan ? .normal : .uniform, latentSize: networks.latentSize, realLabel: 0.9,
            discriminatorSteps: 1, rng: rng)
        let real = Tensor(shape: [batch, 784])
        real.fillUniform(using: rng, low: -1, high: 1)
        let mg = macs(networks.generatorSizes), md = macs(networks.discriminatorSizes)
        return StepBenchmark(
            name: kind == .gan ? "gan (chapter 3)" : "gan-tiny (chapter 3 small)", batch: batch,
            flopsPerStep: Double(2 * batch * (3 * md * 2 + mg + 3 * mg + 3 * md))
        ) { _ = step(real: real) }  // torch_ref.py's count
    // chapter 7: the critic's step with the gradient penalty (double backpropagation), then G's;
    // chapter 3's networks, the critic without dropout (batch 64, as torch_ref.py's wgan-gp)
    case .wganGP:
        let networks = MLPGAN(generator: MLPGAN.digits.generatorSizes, discriminator: MLPGAN.digits.discriminatorSizes,
                              generatorActivation: .leakyReLU(slope: 0.2), discriminatorDropout: 0,
                              initializer: .pytorchDefault)
        let (g, d) = networks.networks(rng: rng)
        let step = WassersteinStep(generator: g, critic: d, constraint: .gradientPenalty(weight: 10), latent: .normal,
                                   latentSize: 100, criticSteps: 1, rng: rng)
        let real = Tensor(shape: [64, 784])
        real.fillUniform(using: rng, low: -1, high: 1)
        let mg = macs(networks.generatorSizes), md = macs(networks.discriminatorSizes)
        // critic: G forward; on x̂ forward, input gradient, and its backward (the input gradient run
        // forwards and the weight products: 3); on fake and real forward and weight gradient (2 each);
        // G step: G forward and backward (3), critic forward and input gradient (2)
        return StepBenchmark(name: "wgan-gp (chapter 7)", batch: 64,
                             flopsPerStep: Double(2 * 64 * (mg + 5 * md + 4 * md + 3 * mg + 2 * md))) {
            _ = step(real: real)
        }
    // chapter 7 with chapter 6's networks on 32x32 digits, the critic without BatchNorm (batch 64)
    case .wganGPConv:
        let networks = DCGAN.digits(width: width)
        let (g, d) = networks.networks(rng: rng, normalizeD: false)
        let step = WassersteinStep(generator: g, critic: d, constraint: .gradientPenalty(weight: 10), latent: .normal,
                                   latentSize: 100, criticSteps: 1, rng: rng)
        let real = Tensor(shape: [64, networks.imageSize])
        real.fillUniform(using: rng, low: -1, high: 1)
        let (mg, md) = networks.multiplyAdds
        return StepBenchmark(name: "wgan-gp-conv width \(width) (ch. 7)", batch: 64,
                             flopsPerStep: Double(2 * 64 * (mg + 5 * md + 4 * md + 3 * mg + 2 * md))) {
            _ = step(real: real)
        }
    // chapter 8 (in progress): the U-Net's noise-prediction step on 32 x 32 digits, c = --width, batch 128
    case .diffusion:
        let network = UNet(side: 32, channels: width, groups: min(8, width), rng: rng)
        let step = DiffusionStep(network: network, schedule: NoiseSchedule(), rng: rng)
        let images = Tensor(shape: [128, 32 * 32])
        images.fillUniform(using: rng, low: -1, high: 1)
        // forward, input gradient and weight gradient of every convolution: 3 · 2 · multiply-adds
        return StepBenchmark(name: "diffusion width \(width) (ch. 8)", batch: 128,
                             flopsPerStep: Double(6 * 128 * network.multiplyAdds)) { _ = step(images: images) }
    case .vae:  // chapter 5 (batch 128, latent 20, β = 1)
        let vae = VariationalAutoencoder(latentSize: 20, conditional: false, rng: rng)
        let step = VAEStep(vae: vae, optimizer: Adam(vae.parameters, learningRate: 1e-3), beta: 1)
        let images = Tensor(shape: [128, 784]), labels = Tensor(shape: [128, 10])
        images.fillUniform(using: rng, low: 0, high: 1)
        // torch_ref.py's count, so GFLOP/s compare (this step skips the input gradient: the input is data)
        let m = 784 * 400 + 2 * 400 * 20 + 20 * 400 + 400 * 784
        return StepBenchmark(name: "vae (chapter 5)", batch: 128, flopsPerStep: Double(3 * 2 * 128 * m)) {
            _ = step(images: images, labels: labels)
        }
    // chapter 6's networks (batch 128): D's loss real + fake, G's step on the same fakes, as torch_ref.py
    case .dcgan, .dcganMNIST:
        let networks = kind == .dcgan ? DCGAN.faces(width: width) : .digits(width: width)
        let (g, d) = networks.networks(rng: rng)
        let step = SameFakesGANStep(generator: g, discriminator: d, learningRate: 2e-4,
                                latentSize: networks.latentSize, discriminatorLossWeight: 1, rng: rng)
        let real = Tensor(shape: [128, networks.imageSize])
        real.fillUniform(using: rng, low: -1, high: 1)
        let (mg, md) = networks.multiplyAdds
        return StepBenchmark(
            name: "\(kind.rawValue) width \(width) (ch. 6)", batch: 128,
            flopsPerStep: Double(2 * 128 * (9 * md + 3 * mg))
        ) { _ = step(real: real) }  // torch_ref.py's count
    case .celeba:  // chapter 4 (batch 128)
        let networks = MLPGAN.faces
        let (g, d) = networks.networks(rng: rng)
        let step = SameFakesGANStep(generator: g, discriminator: d, learningRate: 2e-4,
                                latentSize: networks.latentSize, discriminatorLossWeight: 0.5, rng: rng)
        let real = Tensor(shape: [128, networks.imageSize])
        real.fillUniform(using: rng, low: -1, high: 1)
        let mg = macs(networks.generatorSizes), md = macs(networks.discriminatorSizes)
        return StepBenchmark(name: "celeba (chapter 4)", batch: 128, flopsPerStep: Double(2 * 128 * (9 * md + 3 * mg)))
        { _ = step(real: real) }
    }
}

Bench.main()
