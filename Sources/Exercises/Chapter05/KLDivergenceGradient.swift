import Foundation

/// Exercise `kl-gradient` (chapter 5): the gradient of the VAE's KL term.
///
///     μ, log σ²: [B, Z]   σ² = exp(log σ²)
///     KL = −1/2 · Σ_j (1 + log σ²_j − μ_j² − σ²_j), summed over the Z numbers of a code and
///          averaged over the B codes of the batch
///
/// Return dKL/dμ and dKL/dlog σ², each [B, Z].
public func klDivergenceGradient(mean: [Float], logVariance: [Float], batch: Int) throws
    -> (mean: [Float], logVariance: [Float])
{
    // BEGIN SOLUTION
    let scale = 1 / Float(batch)
    var dMean = [Float](repeating: 0, count: mean.count), dLogVariance = dMean
    for i in 0..<mean.count {
        dMean[i] = scale * mean[i]                                // d/dμ of −1/2 (… − μ²) = μ
        dLogVariance[i] = scale * (exp(logVariance[i]) - 1) / 2   // d/dlog σ² of −1/2 (1 + log σ² − σ²)
    }
    return (dMean, dLogVariance)
    // END SOLUTION
}
