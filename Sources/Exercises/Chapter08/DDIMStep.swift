import Foundation

/// Exercise `ddim-step` (chapter 8): one deterministic DDIM step (Song, Meng and Ermon 2020, η = 0).
///
///     x_t, ε̂: [N]   the image at step t and the network's prediction of the noise in it
///     ᾱ_t, ᾱ_s:     the schedule's ᾱ at t and at the next step s < t (ᾱ_s = 1 when s = 0)
///
/// x_t was made as √ᾱ_t x_0 + √(1 − ᾱ_t) ε. Undo that with ε̂ for ε to estimate the clean image x̂_0, then
/// noise x̂_0 again to the level of s, with ε̂ as the noise. Return x_s, [N].
/// (Models/Diffusion/Sampling.swift, `sampleDDIM`, does this for every pixel of a batch.)
public func ddimStep(image x: [Float], noise eps: [Float], alphaBarT: Float, alphaBarS: Float) throws -> [Float] {
    // BEGIN SOLUTION
    (0..<x.count).map { i in
        let clean = (x[i] - (1 - alphaBarT).squareRoot() * eps[i]) / alphaBarT.squareRoot()   // x̂_0
        return alphaBarS.squareRoot() * clean + (1 - alphaBarS).squareRoot() * eps[i]          // x_s
    }
    // END SOLUTION
}
