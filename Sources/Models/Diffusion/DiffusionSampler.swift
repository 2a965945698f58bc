import Backprop

/// A trained noise predictor as a generator, so that the chapters' pictures and scores treat it as they treat a
/// GAN's G: noise in, digit out. Its forward pass is a whole sampling run (Sampling.swift), with the weights'
/// moving average in the network's place.
///
///     input:  x_T [B, S·S] ~ N(0, 1)   (conditional: [B, S·S + 10], the digit asked one-hot after it; zeros: none)
///     output: x_0 [B, S·S], a digit in [−1, 1] (with `clip`, the last step's x̂_0 itself)
///
/// Classifier-free guidance (Ho and Salimans 2022), for a conditional network: each step asks for the noise
/// twice, with the digit and without it, and goes further in the direction the digit points,
///     ε̃ = ε̂(x_t, y) + w (ε̂(x_t, y) − ε̂(x_t, ∅)),
/// w = 0 being the plain conditional model; larger w draws more typical digits of the asked kind, less varied.
public final class DiffusionSampler: Layer {
    public enum Method: String, CaseIterable, Sendable {
        /// DDIM's deterministic steps (`ddimSteps` of them): the default.
        case ddim
        /// The DDPM paper's Algorithm 2: all T steps, fresh noise at each.
        case ancestral
    }
    public let network: UNet, schedule: NoiseSchedule, average: ExponentialMovingAverage
    public var method: Method, ddimSteps: Int, guidance: Float
    /// Where the clean estimate x̂_0 is kept at every step: digits live in [−1, 1] (nil: not clipped).
    public var clip: ClosedRange<Float>? = -1...1
    /// Ancestral sampling's noise: the same seed at every call, so that the same x_T always gives the same digit.
    let seed: UInt64
    private let x = Tensor(shape: [0]), mixed = Tensor(shape: [0]), asked = Tensor(shape: [0])
    private let noInputGradient = Tensor(shape: [0])

    public init(network: UNet, schedule: NoiseSchedule, average: ExponentialMovingAverage, method: Method = .ddim,
                ddimSteps: Int = 50, guidance: Float = 0, seed: UInt64) {
        (self.network, self.schedule, self.average, self.method) = (network, schedule, average, method)
        (self.ddimSteps, self.guidance, self.seed) = (ddimSteps, guidance, seed)
    }

    /// The averaged weights: checkpoints keep them beside the learning ones; `--generate` restores them.
    public var buffers: [Tensor] { average.averages }

    /// The input's columns: the image's, and the label's for a conditional network.
    public var inputSize: Int { network.side * network.side + (network.isConditional ? 10 : 0) }

    /// The network evaluations one sample costs (twice as many with guidance).
    public var evaluations: Int {
        (method == .ddim ? ddimSteps : schedule.steps) * (network.isConditional && guidance != 0 ? 2 : 1)
    }

    /// How it draws, in words: "DDIM, 50 steps", "ancestral, 1000 steps, guidance 2.0".
    public var description: String {
        (method == .ddim ? "DDIM, \(ddimSteps) steps" : "ancestral, \(schedule.steps) steps")
            + (network.isConditional && guidance != 0 ? ", guidance \(guidance)" : "")
    }

    public func forward(_ input: Tensor) -> Tensor { sample(input) }

    /// Samples from x_T (and the asked digits) in `input`; `after(t, x_t)` sees every step.
    public func sample(_ input: Tensor, after: (Int, Tensor) -> Void = { _, _ in }) -> Tensor {
        let (b, n) = (input.rows, network.side * network.side)
        precondition(input.columns == inputSize, "DiffusionSampler: input \(input.shape), expected [B, \(inputSize)]")
        x.reshape(to: [b, n])
        asked.reshape(to: [b, 10])
        for i in 0..<b {
            (x.data + i * n).update(from: input.data + i * input.columns, count: n)
            if network.isConditional { (asked.data + i * 10).update(from: input.data + i * input.columns + n, count: 10) }
        }
        network.setTraining(false)
        defer { network.setTraining(true) }
        average.withAverages {
            switch method {
            case .ddim: schedule.sampleDDIM(x, count: ddimSteps, clip: clip, predict: predict, after: after)
            case .ancestral:
                schedule.sampleAncestral(x, using: RandomGenerator(seed: seed), clip: clip, predict: predict, after: after)
            }
        }
        return x
    }

    /// ε̂(x_t, t), guided when asked to be.
    func predict(_ xt: Tensor, _ t: Int) -> Tensor {
        network.steps = [Int](repeating: t, count: xt.rows)
        guard network.isConditional else { return network.forward(xt) }
        network.labels.copy(from: asked)
        let conditional = network.forward(xt)
        guard guidance != 0 else { return conditional }
        mixed.copy(from: conditional)
        network.labels.fill(0)                                          // ∅: no digit asked
        let unconditional = network.forward(xt)
        for i in 0..<mixed.count { mixed[i] += guidance * (mixed[i] - unconditional[i]) }
        return mixed
    }

    /// Sampling is not trained through.
    public func backward(_ outputGradient: Tensor) -> Tensor { noInputGradient }
}
