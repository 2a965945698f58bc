import Foundation

/// Inverted dropout. In training each value is zeroed with probability p and the survivors are
/// scaled by 1/(1-p), so the expected output equals the input and nothing needs rescaling at
/// evaluation time, when dropout does nothing at all.
///     x: [B, N]   mask: [B, N] of 0 or 1/(1-p)   y = x * mask   dx = dy * mask
public final class Dropout: Layer {
    public let probability: Float
    public private(set) var isTraining = true
    private let rng: RandomGenerator
    private let mask = Tensor(shape: [0]), output = Tensor(shape: [0]), inputGradient = Tensor(shape: [0])

    public init(probability: Float, rng: RandomGenerator) {
        precondition((0..<1).contains(probability), "dropout probability must be in [0, 1), got \(probability)")
        self.probability = probability
        self.rng = rng
    }

    public func setTraining(_ training: Bool) { isTraining = training }

    public func forward(_ x: Tensor) -> Tensor {
        guard isTraining && probability > 0 else { return x }
        mask.reshape(to: x.shape)
        output.reshape(to: x.shape)
        let keep = 1 / (1 - probability)
        let ms = mask.data, xs = x.data, ys = output.data
        for i in 0..<x.count {
            ms[i] = rng.uniform() < probability ? 0 : keep
            ys[i] = xs[i] * ms[i]
        }
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard isTraining && probability > 0 else { return dy }
        inputGradient.reshape(to: dy.shape)
        let ms = mask.data, dys = dy.data, dxs = inputGradient.data
        for i in 0..<dy.count { dxs[i] = dys[i] * ms[i] }
        return inputGradient
    }
}
