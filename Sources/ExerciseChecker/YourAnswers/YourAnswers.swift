import ArgumentParser
import Backprop
import Exercises
import Foundation
import Models
import Workbook

/// `--mine` and `--mine-only`: the same flags in every chapter that takes them.
public struct MineOptions: ParsableArguments {
    @Flag(help: ArgumentHelp("Train with your answers to this chapter's exercises (Sources/Exercises; those that pass their "
            + "check) in place of the library's parts."))
    public var mine = false
    @Option(name: .customLong("mine-only"),
            help: "Only these of your answers (exercise ids, comma-separated); implies --mine.")
    public var mineOnly: String?

    public init() {}

    public var isOn: Bool { mine || mineOnly != nil }
}

/// The learner's answers a chapter trains with: which are plugged in (they passed their check),
/// which are not and why, and whether each gives the library's numbers bit for bit (then a run
/// with them can match the reference run exactly).
public final class YourAnswers {
    public private(set) var plugged: [String] = []
    public private(set) var left: [(id: String, why: String)] = []
    public private(set) var bitForBit: [String: Bool] = [:]

    /// Checks the chapter's `candidates` (exercise ids) when the options ask for the learner's answers.
    public init(_ options: MineOptions, candidates: [String]) throws {
        guard options.isOn else { return }
        var chosen = candidates
        if let only = options.mineOnly {
            chosen = only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for id in chosen where !candidates.contains(id) {
                throw ValidationError("--mine-only: this chapter cannot use your answer to \"\(id)\"; it can use "
                                      + candidates.joined(separator: ", "))
            }
        }
        print("Checking your answers (Sources/Exercises) before training with them …")
        for id in chosen {
            let verdict = try exercise(id).check()
            guard verdict.status == .passes else {
                left.append((id, verdict.status == .notWrittenYet ? "not written yet" : "\(verdict.status.rawValue): "
                             + "`swift run exercises check \(id)` says why"))
                continue
            }
            plugged.append(id)
            bitForBit[id] = Probe.isBitForBit(id)
        }
        print(summary)
    }

    public var isEmpty: Bool { plugged.isEmpty }

    /// Puts the learner's backward passes in the networks' Linear and activation layers.
    public func plug(into networks: Sequential...) {
        let ids = Set(plugged)
        for network in networks {
            network.replaceLayers { layer in
                switch layer {
                case let linear as Linear where ids.contains("linear-backward"): return YourLinear(linear)
                case is Sigmoid where ids.contains("sigmoid-backward"):
                    return YourActivation(layer, id: "sigmoid-backward") { try sigmoidBackward(output: $0, outputGradient: $1) }
                case is Tanh where ids.contains("tanh-backward"):
                    return YourActivation(layer, id: "tanh-backward") { try tanhBackward(output: $0, outputGradient: $1) }
                case let leaky as LeakyReLU where ids.contains("leaky-relu-backward"):
                    return YourActivation(layer, id: "leaky-relu-backward") {
                        try leakyReLUBackward(output: $0, outputGradient: $1, slope: leaky.slope)
                    }
                default: return layer
                }
            }
        }
    }

    /// The optimiser, with the learner's update when `adam-update` is plugged in.
    public func optimizer(_ adam: Adam) -> Optimizer { plugged.contains("adam-update") ? YourAdam(adam) : adam }

    /// Chapter 5's sampler, with the learner's backward pass when `reparameterize-backward` is plugged in.
    public func sampler(rng: RandomGenerator) -> Reparameterize {
        plugged.contains("reparameterize-backward") ? YourReparameterize(rng: rng) : Reparameterize(rng: rng)
    }

    /// Chapter 5's KL term, with the learner's gradient when `kl-gradient` is plugged in.
    public func klDivergence() -> KLDivergenceLoss {
        plugged.contains("kl-gradient") ? YourKLDivergence() : KLDivergenceLoss()
    }

    /// Chapter 3's step, with the learner's D and G steps (and, inside them, loss and Adam) where plugged in.
    public func ganStep(_ step: GANStep) -> GANTrainingStep {
        let ids = Set(plugged)
        return ids.isDisjoint(with: ["discriminator-step", "generator-step"]) ? step : YourGANStep(step, plugged: ids)
    }

    /// What the console says before training.
    public var summary: String {
        var lines = plugged.map { id in
            "  yours: \(id)" + (bitForBit[id] == true ? " (the library's numbers, bit for bit)"
                                : " (equal to the library's up to rounding: the run will not match the reference exactly)")
        }
        lines += left.map { "  the library's: \($0.id) (yours: \($0.why))" }
        return lines.isEmpty ? "  (none)" : lines.joined(separator: "\n")
    }

    /// The report's table of which parts were the learner's (only when --mine is on).
    public func record(in notebook: Notebook) {
        guard !plugged.isEmpty || !left.isEmpty else { return }
        let rows = plugged.map { id in
            ["`\(id)`", "yours", bitForBit[id] == true ? "bit for bit" : "up to rounding"]
        } + left.map { ["`\($0.id)`", "the library's", "yours: \($0.why)"] }
        notebook.table("your-answers", "Your answers in this run", ["exercise", "used", "against the library's"], rows)
    }
}

/// Whether an answer gives exactly the library's numbers, on a small example.
enum Probe {
    static func isBitForBit(_ id: String) -> Bool {
        let rng = RandomGenerator(seed: 5)
        let x = Tensor(shape: [3, 7]), dy = Tensor(shape: [3, 7])
        x.fillUniform(using: rng, low: -2, high: 2)
        dy.fillUniform(using: rng, low: -1, high: 1)
        func sameBackward(_ library: Layer, _ yours: Layer, dy: Tensor) -> Bool {
            _ = library.forward(x)
            _ = yours.forward(x)
            let a = library.backward(dy).values, b = yours.backward(dy).values
            return a == b && zip(library.parameters, yours.parameters).allSatisfy { $0.gradient.values == $1.gradient.values }
        }
        switch id {
        case "linear-backward":
            let library = Linear(7, 5, rng: RandomGenerator(seed: 6))
            let mine = YourLinear(Linear(7, 5, rng: RandomGenerator(seed: 6)))
            let d = Tensor(shape: [3, 5])
            d.fillUniform(using: rng, low: -1, high: 1)
            return sameBackward(library, mine, dy: d)
        case "sigmoid-backward":
            let yours = YourActivation(Sigmoid(), id: id) { try sigmoidBackward(output: $0, outputGradient: $1) }
            return sameBackward(Sigmoid(), yours, dy: dy)
        case "tanh-backward":
            let yours = YourActivation(Tanh(), id: id) { try tanhBackward(output: $0, outputGradient: $1) }
            return sameBackward(Tanh(), yours, dy: dy)
        case "leaky-relu-backward":
            return sameBackward(LeakyReLU(slope: 0.2), YourActivation(LeakyReLU(slope: 0.2), id: id) {
                try leakyReLUBackward(output: $0, outputGradient: $1, slope: 0.2)
            }, dy: dy)
        case "adam-update":
            let (a, b) = (Linear(7, 5, rng: RandomGenerator(seed: 6)), Linear(7, 5, rng: RandomGenerator(seed: 6)))
            let library = Adam(a.parameters, learningRate: 0.01, weightDecay: 0.01)
            let mine = YourAdam(Adam(b.parameters, learningRate: 0.01, weightDecay: 0.01))
            for _ in 0..<3 {
                for (p, q) in zip(a.parameters, b.parameters) {
                    p.gradient.fillUniform(using: rng, low: -1, high: 1)
                    q.gradient.copy(from: p.gradient)
                }
                library.step()
                mine.step()
            }
            return zip(a.parameters, b.parameters).allSatisfy { $0.value.values == $1.value.values }
        case "bce-logits":
            let targets = Tensor(shape: [3, 7])
            targets.fillUniform(using: rng, low: 0, high: 1)
            let bce = BCEWithLogitsLoss()
            let loss = bce.forward(x, targets)
            guard let (value, gradient) = try? binaryCrossEntropyOnLogits(logits: x.values, targets: targets.values)
            else { return false }
            return value == loss && gradient == bce.backward().values
        case "reparameterize-backward", "kl-gradient":
            let mean = Tensor(shape: [3, 7]), logVariance = Tensor(shape: [3, 7])
            mean.fillUniform(using: rng, low: -1, high: 1)
            logVariance.fillUniform(using: rng, low: -2, high: 1)
            if id == "kl-gradient" {
                let (library, mine) = (KLDivergenceLoss(), YourKLDivergence())
                _ = library.forward(mean: mean, logVariance: logVariance)
                _ = mine.forward(mean: mean, logVariance: logVariance)
                let (a, b) = (library.backward(), mine.backward())
                return a.mean.values == b.mean.values && a.logVariance.values == b.logVariance.values
            }
            let library = Reparameterize(rng: RandomGenerator(seed: 8))
            let mine = YourReparameterize(rng: RandomGenerator(seed: 8))
            _ = library.forward(mean: mean, logVariance: logVariance)
            _ = mine.forward(mean: mean, logVariance: logVariance)
            let (a, b) = (library.backward(dy), mine.backward(dy))
            return a.mean.values == b.mean.values && a.logVariance.values == b.logVariance.values
        case "discriminator-step", "generator-step":
            let library = GANTwin(), mine = GANTwin()
            if id == "discriminator-step" {
                _ = library.step.discriminatorStep(real: GANTwin.probeBatch)
                _ = try? discriminatorStep(mine.parts, real: GANTwin.probeBatch)
            } else {
                _ = library.step.generatorStep(batch: GANTwin.batch)
                _ = try? generatorStep(mine.parts)
            }
            return library.discriminatorWeightsNow == mine.discriminatorWeightsNow
                && library.generatorWeightsNow == mine.generatorWeightsNow
        default:
            return false
        }
    }
}
