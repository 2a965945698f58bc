import Foundation

/// Exercise `adam-update` (chapter 1): one step of Adam (Kingma and Ba, 2015), in place.
///
///     w, grad, m, v: [N]   t: the step's number, 1 for the first step
///
/// For every weight: g = grad + weightDecay · w; move m towards g (by 1 − β1) and v towards g²
/// (by 1 − β2); correct both for starting at zero (divide by 1 − β1^t and 1 − β2^t); then step
/// w downhill by the learning rate times m̂ / (√v̂ + ε).
public func adamUpdate(
    weights w: inout [Float], gradients grad: [Float], m: inout [Float], v: inout [Float], step t: Int,
    learningRate: Float, beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
) throws {
    // BEGIN SOLUTION
    // As Backprop/Learning/Optimizers.swift writes it (the same rounding, so a run with this answer
    // matches the library's to the bit): the corrections folded into the step size and into √v.
    let stepSize = learningRate / (1 - pow(beta1, Float(t)))
    let correction2 = (1 - pow(beta2, Float(t))).squareRoot()
    for i in 0..<w.count {
        let g = grad[i] + weightDecay * w[i]
        m[i] = beta1 * m[i] + (1 - beta1) * g
        v[i] = beta2 * v[i] + (1 - beta2) * g * g
        w[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2 + epsilon)
    }
    // END SOLUTION
}
