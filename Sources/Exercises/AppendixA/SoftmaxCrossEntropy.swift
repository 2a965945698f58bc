import Foundation

/// Exercise `softmax-cross-entropy` (appendix A): the digit classifier's loss, forward and backward.
///
///     logits z: [B, C]   labels: [B], each in 0..<C   p = softmax(z) row by row: p_c = e^(z_c) / Σ_k e^(z_k)
///     loss = mean over the B rows of −log p_label
///     gradient: [B, C], dLoss/dz
///
/// Stable for any logits: e^z overflows a Float for z > 88.
public func softmaxCrossEntropy(logits z: [Float], labels: [Int], classes: Int) throws
    -> (loss: Float, gradient: [Float])
{
    // BEGIN SOLUTION
    let rows = labels.count
    var gradient = [Float](repeating: 0, count: z.count)
    var sum = 0.0
    for r in 0..<rows {
        // Subtracting the row's largest logit changes no probability, and keeps every power ≤ 0.
        var largest = -Float.infinity
        for k in 0..<classes { largest = max(largest, z[r * classes + k]) }
        var total = 0.0
        for k in 0..<classes { total += exp(Double(z[r * classes + k] - largest)) }
        let logTotal = log(total)
        for k in 0..<classes {
            let p = exp(Double(z[r * classes + k] - largest) - logTotal)
            gradient[r * classes + k] = Float((p - (k == labels[r] ? 1 : 0)) / Double(rows))
        }
        sum -= Double(z[r * classes + labels[r]] - largest) - logTotal
    }
    return (Float(sum / Double(rows)), gradient)
    // END SOLUTION
}
