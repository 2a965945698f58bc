import Backprop
import Foundation

// Drawing with a trained noise predictor: start from pure noise x_T ~ N(0, 1) and remove the
// predicted noise step by step. `predict(x_t, t)` is the network's ε̂ (its `steps` set to t).

public extension NoiseSchedule {
    /// The clean image the prediction implies: x̂_0 = (x_t − √(1 − ᾱ_t) ε̂) / √ᾱ_t, the jump undone.
    func cleanEstimate(_ x: Float, noise: Float, step t: Int) -> Float {
        let alphaBar = Float(alphaBars[t - 1])
        return (x - (1 - alphaBar).squareRoot() * noise) / alphaBar.squareRoot()
    }

    /// Ancestral sampling (the DDPM paper's Algorithm 2), all T steps, t = T ... 1:
    ///     x_{t−1} = (x_t − β_t / √(1 − ᾱ_t) · ε̂) / √(1 − β_t) + σ_t z,   z ~ N(0, 1) (none at t = 1),  σ_t² = β_t
    /// `x`: [B, N], filled with x_T by the caller; it ends as the samples. `after(t, x)` sees every step.
    func sampleAncestral(_ x: Tensor, using rng: RandomGenerator, predict: (Tensor, Int) -> Tensor,
                         after: (Int, Tensor) -> Void = { _, _ in }) {
        let z = Tensor(shape: x.shape)
        for t in stride(from: steps, through: 1, by: -1) {
            let eps = predict(x, t)
            let beta = Float(betas[t - 1]), alphaBar = Float(alphaBars[t - 1])
            let scale = 1 / (1 - beta).squareRoot(), noiseWeight = beta / (1 - alphaBar).squareRoot()
            if t > 1 { z.fillNormal(using: rng) }
            let sigma = t > 1 ? beta.squareRoot() : 0
            for i in 0..<x.count { x[i] = scale * (x[i] - noiseWeight * eps[i]) + sigma * z[i] }
            after(t, x)
        }
    }

    /// DDIM (Song, Meng and Ermon 2020), deterministic (η = 0), on `count` of the T steps evenly
    /// spaced: from each step t to the next one s < t,
    ///     x_s = √ᾱ_s x̂_0 + √(1 − ᾱ_s) ε̂      (the estimate of x_0, noised again to the level of s; ᾱ_0 = 1)
    func sampleDDIM(_ x: Tensor, count: Int, predict: (Tensor, Int) -> Tensor,
                    after: (Int, Tensor) -> Void = { _, _ in }) {
        precondition((1...steps).contains(count), "DDIM: between 1 and \(steps) steps (got \(count))")
        let schedule = (0..<count).map { steps - $0 * steps / count }          // T, ..., evenly down
        for (k, t) in schedule.enumerated() {
            let eps = predict(x, t)
            let next = k + 1 < count ? schedule[k + 1] : 0
            let alphaBarNext = next == 0 ? Float(1) : Float(alphaBars[next - 1])
            for i in 0..<x.count {
                let clean = cleanEstimate(x[i], noise: eps[i], step: t)
                x[i] = alphaBarNext.squareRoot() * clean + (1 - alphaBarNext).squareRoot() * eps[i]
            }
            after(t, x)
        }
    }
}
