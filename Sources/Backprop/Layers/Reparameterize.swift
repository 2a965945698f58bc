import Foundation

/// The reparameterisation trick (Kingma and Welling, 2013): a sample from N(μ, σ²), written as a
/// function of μ and log σ² plus noise that needs no gradient, so the gradient can flow back into
/// the encoder that produced μ and log σ².
///
///     μ: [B, Z]   log σ²: [B, Z]   ε: [B, Z], each ~ N(0, 1)   z: [B, Z]
///     forward:   σ = exp(log σ² / 2);   z = μ + σ · ε
///     backward:  dμ = dz                          (z moves one for one with μ)
///                dlog σ² = dz · ε · σ / 2         (dz/dlog σ² = ε · dσ/dlog σ², and dσ/dlog σ² = σ / 2)
///
/// The network predicts log σ² rather than σ: any real number is a valid log-variance, so no
/// constraint is needed. ε comes from the seeded generator (same seed, same run). In evaluation
/// mode z = μ: the code's centre, without noise.
///
/// The class is open so that `--mine` can put a learner's backward pass in its place (Sources/Exercises).
open class Reparameterize {
    private let rng: RandomGenerator
    public private(set) var isTraining = true
    private let epsilon = Tensor(shape: [0]), output = Tensor(shape: [0])
    private let meanGradient = Tensor(shape: [0]), logVarianceGradient = Tensor(shape: [0])
    private var logVariance: Tensor?

    public init(rng: RandomGenerator) { self.rng = rng }

    public func setTraining(_ training: Bool) { isTraining = training }

    public func forward(mean: Tensor, logVariance: Tensor) -> Tensor {
        precondition(
            mean.shape == logVariance.shape, "Reparameterize: μ \(mean.shape) and log σ² \(logVariance.shape) differ")
        self.logVariance = logVariance
        output.reshape(to: mean.shape)
        epsilon.reshape(to: mean.shape)
        guard isTraining else {
            epsilon.fill(0)                                   // evaluation: z = μ
            output.copy(from: mean)
            return output
        }
        epsilon.fillNormal(using: rng)                        // ε ~ N(0, 1): [B, Z]
        let mu = mean.data, lv = logVariance.data, e = epsilon.data, z = output.data
        for i in 0..<mean.count { z[i] = mu[i] + exp(lv[i] / 2) * e[i] }   // z = μ + σ · ε
        return output
    }

    /// dLoss/dμ and dLoss/dlog σ² from dLoss/dz, for the most recent forward.
    /// ε and log σ² of the most recent forward.
    public var lastNoise: Tensor { epsilon }
    public var lastLogVariance: Tensor? { logVariance }

    open func backward(_ dz: Tensor) -> (mean: Tensor, logVariance: Tensor) {
        guard let logVariance else { preconditionFailure("Reparameterize.backward called before forward") }
        precondition(
            dz.shape == logVariance.shape,
            "Reparameterize.backward: dz has shape \(dz.shape), expected \(logVariance.shape)")
        meanGradient.reshape(to: dz.shape)
        logVarianceGradient.reshape(to: dz.shape)
        let g = dz.data, lv = logVariance.data, e = epsilon.data, dmu = meanGradient.data,
            dlv = logVarianceGradient.data
        for i in 0..<dz.count {
            dmu[i] = g[i]                                     // dμ = dz
            dlv[i] = g[i] * e[i] * exp(lv[i] / 2) / 2         // dlog σ² = dz · ε · σ / 2
        }
        return (meanGradient, logVarianceGradient)
    }
}
