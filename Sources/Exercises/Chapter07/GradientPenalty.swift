/// Exercise `gradient-penalty` (chapter 7): find the bug in this gradient penalty.
///
///     real, fake: [B, N] (B examples of N values)    λ: the penalty's weight
///     uniform(): one draw of U(0, 1)                 critic(x̂ [B, N]) -> (scores [B], gradients [B, N]):
///                                                    the critic's raw score D(x̂_b) and g_b = ∂D(x̂_b)/∂x̂_b
///     x̂_b = ε_b real_b + (1 − ε_b) fake_b     (draw ε_b with uniform(), for b = 0, 1, ... in turn)
///     P   = λ · mean over b of (‖g_b‖ − 1)²,  ‖g_b‖ = sqrt(Σ_j g_b[j]² + 1e-12)
///     returns P, and dP/dg: [B, N] (where the second backward pass starts)
///
/// The lines you start from are how this penalty is often written: they run, and a GAN trained with
/// them learns something, but not what the paper says. Find what is wrong, and fix it.
public func gradientPenalty(real: [Float], fake: [Float], batch: Int, size: Int, lambda: Float,
                            uniform: () -> Float,
                            critic: ([Float]) -> (scores: [Float], gradients: [Float])) throws
    -> (penalty: Float, gradientOfGradient: [Float])
{
    // BEGIN SOLUTION
    //> var mixed = [Float](repeating: 0, count: batch * size)
    //> for b in 0..<batch {
    //>     for j in 0..<size {
    //>         let e = uniform()
    //>         mixed[b * size + j] = e * real[b * size + j] + (1 - e) * fake[b * size + j]
    //>     }
    //> }
    //> let g = critic(mixed).gradients
    //> var penalty: Float = 0, dg = [Float](repeating: 0, count: batch * size)
    //> for b in 0..<batch {
    //>     var squares: Float = 0
    //>     for j in 0..<size { squares += g[b * size + j] * g[b * size + j] }
    //>     let norm = (squares + 1e-12).squareRoot()
    //>     penalty += lambda * (norm - 1) * (norm - 1) / Float(batch)
    //>     for j in 0..<size { dg[b * size + j] = lambda / Float(batch) * 2 * (norm - 1) / norm * g[b * size + j] }
    //> }
    //> return (penalty, dg)
    var mixed = [Float](repeating: 0, count: batch * size)
    for b in 0..<batch {
        let e = uniform()                                   // one ε for the whole example
        for j in 0..<size { mixed[b * size + j] = e * real[b * size + j] + (1 - e) * fake[b * size + j] }
    }
    let g = critic(mixed).gradients
    var penalty: Float = 0, dg = [Float](repeating: 0, count: batch * size)
    for b in 0..<batch {
        var squares: Float = 0
        for j in 0..<size { squares += g[b * size + j] * g[b * size + j] }
        let norm = (squares + 1e-12).squareRoot()
        penalty += lambda * (norm - 1) * (norm - 1) / Float(batch)
        for j in 0..<size { dg[b * size + j] = lambda / Float(batch) * 2 * (norm - 1) / norm * g[b * size + j] }
    }
    return (penalty, dg)
    // END SOLUTION
}
