import Foundation

/// Exercise `bce-logits` (chapter 3): binary cross-entropy computed from logits, forward and
/// backward, stable for any logit (D's logits reach ±100).
///
///     z (logits), t (targets in [0, 1]): [N]      p = σ(z) = 1 / (1 + e^−z)
///     loss = mean over the N values of −[t log p + (1 − t) log(1 − p)]
///     gradient: [N], dLoss/dz
///
/// Written as it reads, e^−z overflows for z = −100 and log p is log 0 for z = 100 in Float. Find a
/// form of the same loss that never takes e to a large power nor the log of 0.
public func binaryCrossEntropyOnLogits(logits z: [Float], targets t: [Float]) throws -> (loss: Float, gradient: [Float]) {
    // BEGIN SOLUTION
    // −[t log σ(z) + (1 − t) log(1 − σ(z))] = max(z, 0) − z t + log(1 + e^−|z|): e is raised only
    // to non-positive powers. Summed in Double, as Backprop/Kernels/BinaryCrossEntropy.swift does.
    let n = z.count, scale = 1 / Float(n)
    var sum = 0.0
    var gradient = [Float](repeating: 0, count: n)
    for i in 0..<n {
        let zi = Double(z[i])
        sum += max(zi, 0) - zi * Double(t[i]) + log1p(exp(-abs(zi)))
        let p = z[i] >= 0 ? 1 / (1 + expf(-z[i])) : expf(z[i]) / (1 + expf(z[i]))   // σ(z), stably
        gradient[i] = scale * (p - t[i])                                             // (σ(z) − t) / N
    }
    return (Float(sum / Double(n)), gradient)
    // END SOLUTION
}
