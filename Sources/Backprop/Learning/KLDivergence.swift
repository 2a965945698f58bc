import Foundation

/// How far a code's distribution N(μ, σ²) is from the prior N(0, 1): the Kullback-Leibler
/// divergence, in closed form, summed over the Z numbers of a code and averaged over the batch
/// (nats per example). A variational autoencoder adds it to the reconstruction loss, so that
/// codes stay where the decoder can later be fed samples of N(0, 1).
///
///     μ: [B, Z]   log σ²: [B, Z]
///     forward:   KL = -1/2 · Σ_j (1 + log σ²_j − μ_j² − σ²_j),  averaged over the B examples
///     backward:  dμ = μ / B,   dlog σ² = (σ² − 1) / (2B)     (times `weight`)
///
/// The divergence is 0 exactly when μ = 0 and σ² = 1. `weight` scales the value and its gradient
/// (β of a β-VAE). The class is open so that `--mine` can put a learner's gradient in its place.
open class KLDivergenceLoss {
    private let meanGradient = Tensor(shape: [0]), logVarianceGradient = Tensor(shape: [0])
    private var mean: Tensor?, logVariance: Tensor?, weight: Float = 1
    /// The divergence itself (without `weight`) at the most recent forward, in nats per example.
    public private(set) var divergence: Float = 0

    public init() {}

    public func forward(mean: Tensor, logVariance: Tensor, weight: Float = 1) -> Float {
        precondition(mean.shape == logVariance.shape && mean.shape.count == 2,
                     "KLDivergenceLoss: μ \(mean.shape) and log σ² \(logVariance.shape) must be the same [B, Z]")
        (self.mean, self.logVariance, self.weight) = (mean, logVariance, weight)
        let mu = mean.data, lv = logVariance.data
        var sum = 0.0
        for i in 0..<mean.count { sum += Double(1 + lv[i] - mu[i] * mu[i] - exp(lv[i])) }
        divergence = Float(-0.5 * sum / Double(mean.rows))
        return divergence * weight
    }

    /// dLoss/dμ and dLoss/dlog σ² for the most recent forward.
    /// μ, log σ² and the weight of the most recent forward.
    public var lastInputs: (mean: Tensor, logVariance: Tensor, weight: Float)? {
        guard let mean, let logVariance else { return nil }
        return (mean, logVariance, weight)
    }

    open func backward() -> (mean: Tensor, logVariance: Tensor) {
        guard let mean, let logVariance else { preconditionFailure("KLDivergenceLoss.backward called before forward") }
        meanGradient.reshape(to: mean.shape)
        logVarianceGradient.reshape(to: mean.shape)
        let scale = weight / Float(mean.rows)
        let mu = mean.data, lv = logVariance.data, dmu = meanGradient.data, dlv = logVarianceGradient.data
        for i in 0..<mean.count {
            dmu[i] = scale * mu[i]                          // d/dμ of -1/2 (… − μ²) = μ
            dlv[i] = scale * (exp(lv[i]) - 1) / 2           // d/dlog σ² of -1/2 (1 + log σ² − σ²) = (σ² − 1)/2
        }
        return (meanGradient, logVarianceGradient)
    }
}
