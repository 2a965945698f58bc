// The workbook's benchmark: training steps of every chapter's default configuration, and the
// matmul kernels alone on the shapes those networks use. Compare it with the PyTorch peer
// (../shared/peers/torch_ref.py) run on the same machine at the same time.
//
//     swift run -c release bench                  # everything
//     swift run -c release bench --only steps     # or: kernels
//     swift run -c release bench --json bench.json
//
// FLOP counts follow torch_ref.py exactly, so the GFLOP/s columns of the two are comparable.

import Backprop
import Foundation

// MARK: - Options (a benchmark needs few; plain parsing keeps it dependency-free)

var arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}
let only = option("--only")
let modelFilter = option("--model")   // only the step benchmarks whose name contains this
let jsonPath = option("--json")
let runs = Int(option("--runs") ?? "") ?? 5
if arguments.contains("--help") {
    print("usage: bench [--only steps|kernels] [--model ae|dae|gan|gan-tiny|celeba] [--runs N] [--threads T] [--shape LABEL] [--ghz G] [--json FILE]")
    exit(0)
}
if let t = option("--threads").flatMap(Int.init) { Parallel.threads = t }

/// The clock rate the kernel reports (Linux's /proc/cpuinfo), in GHz.
func cpuGigahertz() -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu MHz") }),
          let value = line.split(separator: ":").last.flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }) else { return nil }
    return value / 1000
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// The median over `runs` timed repetitions of `body`, after one untimed warm-up.
func medianSeconds(_ body: () -> Void) -> Double {
    body()
    let times = (0..<runs).map { _ -> Double in let start = now(); body(); return now() - start }.sorted()
    return times[runs / 2]
}

var json: [[String: Any]] = []

// MARK: - Training steps

let rng = RandomGenerator(seed: 1)
func macs(_ sizes: [Int]) -> Int { zip(sizes, sizes.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 } }

/// Linear layers with `activation` between them and an optional last layer.
func mlp(_ sizes: [Int], _ activation: () -> Layer, dropout: Float = 0, last: Layer? = nil, initializer: Initializer = .pytorchDefault) -> Sequential {
    var layers: [Layer] = []
    for i in 0..<(sizes.count - 1) {
        layers.append(Linear(sizes[i], sizes[i + 1], initializer: initializer, rng: rng))
        if i < sizes.count - 2 {
            layers.append(activation())
            if dropout > 0 { layers.append(Dropout(probability: dropout, rng: rng)) }
        }
    }
    if let last { layers.append(last) }
    return Sequential(layers)
}

struct StepBenchmark { let name: String; let batch: Int; let flopsPerStep: Double; let step: () -> Void }

/// An autoencoder step as in chapters 1 and 2 (MSE against the clean batch, Adam).
func autoencoder(_ name: String, encoder: [Int], decoder: [Int], batch: Int, codeActivation: Bool, noise: Float) -> StepBenchmark {
    var layers: [Layer] = [mlp(encoder, ReLU.init)]
    if codeActivation { layers.append(ReLU()) }
    layers.append(mlp(decoder, ReLU.init, last: Sigmoid()))
    let model = Sequential(layers)
    model.needsInputGradient = false
    let optimizer = Adam(model.parameters, learningRate: 1e-3, weightDecay: 1e-8)
    let loss = MSELoss()
    let clean = Tensor(shape: [batch, encoder[0]]), input = Tensor(shape: [batch, encoder[0]])
    clean.fillUniform(using: rng, low: 0, high: 1)
    return StepBenchmark(name: name, batch: batch, flopsPerStep: Double(3 * 2 * batch * (macs(encoder) + macs(decoder)))) {
        if noise > 0 {
            input.fillNormal(using: rng, std: noise)
            for i in 0..<input.count { input[i] = min(max(clean[i] + input[i], 0), 1) }
        } else {
            input.copy(from: clean)
        }
        optimizer.zeroGradients()
        _ = loss.forward(model.forward(input), clean)
        _ = model.backward(loss.backward())
        optimizer.step()
    }
}

/// A GAN step as in chapter 3: D on real (label 0.9) and fake, then G through a frozen D.
func gan(_ name: String, generator gSizes: [Int], discriminator dSizes: [Int], batch: Int, dropout: Float,
         generatorActivation: () -> Layer) -> StepBenchmark {
    let g = mlp(gSizes, generatorActivation, last: Tanh(), initializer: .normal(std: 0.02))
    let d = mlp(dSizes, { LeakyReLU(slope: 0.2) }, dropout: dropout, initializer: .normal(std: 0.02))
    g.needsInputGradient = false
    let gOptimizer = Adam(g.parameters, learningRate: 2e-4, beta1: 0.5), dOptimizer = Adam(d.parameters, learningRate: 2e-4, beta1: 0.5)
    let bce = BCEWithLogitsLoss()
    let real = Tensor(shape: [batch, dSizes[0]]), z = Tensor(shape: [batch, gSizes[0]])
    real.fillUniform(using: rng, low: -1, high: 1)
    let realTargets = Tensor(shape: [batch, 1], repeating: 0.9), fakeTargets = Tensor(shape: [batch, 1]), ones = Tensor(shape: [batch, 1], repeating: 1)
    let mg = macs(gSizes), md = macs(dSizes)
    let flops = Double(2 * batch * (3 * md * 2 + mg + 3 * mg + 3 * md))   // torch_ref.py's count
    return StepBenchmark(name: name, batch: batch, flopsPerStep: flops) {
        d.isFrozen = false; d.needsInputGradient = false
        dOptimizer.zeroGradients()
        _ = bce.forward(d.forward(real), realTargets); _ = d.backward(bce.backward())
        z.fillNormal(using: rng)
        _ = bce.forward(d.forward(g.forward(z)), fakeTargets); _ = d.backward(bce.backward())
        dOptimizer.step()
        d.isFrozen = true; d.needsInputGradient = true
        gOptimizer.zeroGradients()
        z.fillNormal(using: rng)
        _ = bce.forward(d.forward(g.forward(z)), ones)
        _ = g.backward(d.backward(bce.backward()))
        gOptimizer.step()
    }
}

if only == nil || only == "steps" {
    let leaky = { LeakyReLU(slope: 0.2) as Layer }
    // Built only when selected: chapter 4's model alone has 26 million weights to initialise.
    let benchmarks: [(name: String, make: () -> StepBenchmark)] = [
        ("ae (chapter 1)", { autoencoder("ae (chapter 1)", encoder: [784, 128, 64, 36, 18, 9], decoder: [9, 18, 36, 64, 128, 784], batch: 32, codeActivation: false, noise: 0) }),
        ("dae (chapter 2)", { autoencoder("dae (chapter 2)", encoder: [784, 1024], decoder: [1024, 784], batch: 64, codeActivation: true, noise: 0.5) }),
        ("gan (chapter 3)", { gan("gan (chapter 3)", generator: [100, 256, 512, 1024, 784], discriminator: [784, 1024, 512, 256, 1], batch: 128, dropout: 0.3, generatorActivation: leaky) }),
        ("gan-tiny (chapter 3 small)", { gan("gan-tiny (chapter 3 small)", generator: [100, 32, 64, 128, 784], discriminator: [784, 128, 64, 32, 1], batch: 64, dropout: 0.2, generatorActivation: leaky) }),
        ("celeba (chapter 4)", { gan("celeba (chapter 4)", generator: [100, 256, 512, 1024, 12288], discriminator: [12288, 1024, 512, 256, 1], batch: 128, dropout: 0, generatorActivation: ReLU.init) }),
    ]
    print("Training steps on \(Parallel.threads) threads (median of \(runs) runs after a warm-up)")
    print("model                          batch   ms/step   samples/s   GFLOP/s  allocations")
    for entry in benchmarks where modelFilter.map({ entry.name.hasPrefix($0 + " ") }) ?? true {
        let b = entry.make()
        let steps = max(3, Int(2e10 / b.flopsPerStep))   // about 20 GFLOP per timed run
        let seconds = medianSeconds { for _ in 0..<steps { b.step() } } / Double(steps)
        let before = Allocations.sinceStart   // warmed up: a step should allocate no float memory
        b.step()
        print(b.name.padding(toLength: 30, withPad: " ", startingAt: 0)
              + String(format: " %6d %9.2f %11.0f %9.1f %12d", b.batch, seconds * 1e3, Double(b.batch) / seconds, b.flopsPerStep / seconds / 1e9,
                       Allocations.sinceStart - before))
        json.append(["kind": "step", "model": b.name, "batch": b.batch, "threads": Parallel.threads, "ms_per_step": seconds * 1e3,
                     "samples_per_second": Double(b.batch) / seconds, "gflops": b.flopsPerStep / seconds / 1e9])
    }
}

// MARK: - Kernels

if only == nil || only == "kernels" {
    let shapes: [(label: String, m: Int, k: Int, n: Int)] = [
        ("784->128 b32", 32, 784, 128), ("784->1024 b64", 64, 784, 1024), ("1024->784 b64", 64, 1024, 784),
        ("784->1024 b128", 128, 784, 1024), ("1024->512 b128", 128, 1024, 512), ("512->256 b128", 128, 512, 256),
        ("1024->784 b128", 128, 1024, 784), ("12288->1024 b128", 128, 12288, 1024), ("1024->12288 b128", 128, 1024, 12288),
    ].filter { shape in option("--shape").map { $0 == shape.label } ?? true }
    let threadCounts = [1, 2].filter { $0 <= max(Parallel.threads, 2) }
    // The core's peak: two 8-wide FMA instructions per cycle (AVX2), 2 FLOP each: 32 FLOP a cycle.
    let gigahertz = option("--ghz").flatMap(Double.init) ?? cpuGigahertz() ?? 0
    let peak = 32 * gigahertz
    if peak > 0 { print("\nOne core's AVX2 FMA peak: 32 FLOP/cycle x \(String(format: "%.2f", gigahertz)) GHz = \(String(format: "%.0f", peak)) GFLOP/s (the clock from /proc/cpuinfo; --ghz overrides)") }
    let savedThreads = Parallel.threads
    print("\nMatmul kernels, GFLOP/s (median of \(runs) runs): X*W forward, dY*W^T input gradient, X^T*dY weight gradient")
    print("shape               threads        X*W     dY*W^T     X^T*dY")
    for shape in shapes {
        let (m, k, n) = (shape.m, shape.k, shape.n)
        let x = Tensor(shape: [m, k]), w = Tensor(shape: [k, n]), dy = Tensor(shape: [m, n])
        x.fillNormal(using: rng); w.fillNormal(using: rng); dy.fillNormal(using: rng)
        let y = Tensor(shape: [m, n]), dx = Tensor(shape: [m, k]), dw = Tensor(shape: [k, n])
        let flops = 2.0 * Double(m * k * n), repeats = max(1, Int(4e8 / flops))
        for threads in threadCounts {
            Parallel.threads = threads
            let rates = [
                medianSeconds { for _ in 0..<repeats { matmulForward(y.data, x.data, w.data, nil, m: m, k: k, n: n) } },
                medianSeconds { for _ in 0..<repeats { matmulBackwardInput(dx.data, dy.data, w.data, m: m, k: k, n: n) } },
                medianSeconds { for _ in 0..<repeats { matmulBackwardWeights(dw.data, x.data, dy.data, m: m, k: k, n: n) } },
            ].map { flops * Double(repeats) / $0 / 1e9 }
            print(shape.label.padding(toLength: 20, withPad: " ", startingAt: 0) + "\(threads)      "
                  + rates.map { String(format: "%10.1f", $0) }.joined(separator: " ")
                  + (threads == 1 && peak > 0 ? "   (" + rates.map { String(format: "%.0f%%", 100 * $0 / peak) }.joined(separator: " ") + " of peak)" : ""))
            json.append(["kind": "kernel", "shape": shape.label, "m": m, "k": k, "n": n, "threads": threads,
                         "forward_gflops": rates[0], "input_gradient_gflops": rates[1], "weight_gradient_gflops": rates[2]])
        }
    }
    Parallel.threads = savedThreads
}

if let jsonPath {
    let data = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
    try data.write(to: URL(fileURLWithPath: jsonPath))
    print("\nWrote \(jsonPath)")
}
