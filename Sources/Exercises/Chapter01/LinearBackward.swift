/// Exercise `linear-backward` (chapter 1): the backward pass of a fully connected layer.
///
///     x: [B, In]   W: [In, Out]   b: [Out]   forward: y = x · W + b   dy: [B, Out]
///
/// Given dy = dLoss/dy, return the three gradients the chain rule gives:
///     dx: [B, In]   dx[b, i] = Σ_o dy[b, o] · W[i, o]       (dy · Wᵀ)
///     dW: [In, Out] dW[i, o] = Σ_b x[b, i] · dy[b, o]       (xᵀ · dy)
///     db: [Out]     db[o]    = Σ_b dy[b, o]
/// (Backprop/Layers/Linear.swift does this with the fast matmul; here, plain loops.)
public func linearBackward(
    input x: [Float], weight w: [Float], outputGradient dy: [Float], batch: Int, inputs: Int, outputs: Int
) throws -> (input: [Float], weight: [Float], bias: [Float]) {
    // BEGIN SOLUTION
    var dx = [Float](repeating: 0, count: batch * inputs)
    var dw = [Float](repeating: 0, count: inputs * outputs)
    var db = [Float](repeating: 0, count: outputs)
    for b in 0..<batch {
        for o in 0..<outputs {
            let g = dy[b * outputs + o]
            db[o] += g
            for i in 0..<inputs {
                dx[b * inputs + i] += g * w[i * outputs + o]
                dw[i * outputs + o] += x[b * inputs + i] * g
            }
        }
    }
    return (dx, dw, db)
    // END SOLUTION
}
