import Foundation

/// Exercise `reparameterize-backward` (chapter 5): the backward pass of z = μ + σ · ε.
///
///     μ, log σ², ε: [N]   σ = exp(log σ² / 2)   z = μ + σ · ε   dz: [N]
///
/// The encoder predicts log σ², not σ. Given dz = dLoss/dz and the ε the forward pass drew, return
/// dLoss/dμ and dLoss/dlog σ², each [N].
public func reparameterizeBackward(outputGradient dz: [Float], noise eps: [Float], logVariance: [Float]) throws
    -> (mean: [Float], logVariance: [Float])
{
    // BEGIN SOLUTION
    var dMean = [Float](repeating: 0, count: dz.count), dLogVariance = dMean
    for i in 0..<dz.count {
        dMean[i] = dz[i]                                          // z moves one for one with μ
        dLogVariance[i] = dz[i] * eps[i] * exp(logVariance[i] / 2) / 2   // dσ/dlog σ² = σ / 2
    }
    return (dMean, dLogVariance)
    // END SOLUTION
}
