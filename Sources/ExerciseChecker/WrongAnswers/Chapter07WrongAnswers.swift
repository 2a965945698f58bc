import Foundation

/// The gradient penalty with switches for the classic mistakes (the check's Critic gives g).
private func penaltyWith(perValue: Bool = false, overBatch: Bool = false, sigmoid: Bool = false,
                         noGuard: Bool = false, towardsZero: Bool = false, sum: Bool = false)
    -> ([Float], [Float], Int, Int, Float, () -> Float, ([Float]) -> (scores: [Float], gradients: [Float])) throws
    -> (penalty: Float, gradientOfGradient: [Float])
{
    { real, fake, batch, size, lambda, uniform, critic in
        var mixed = [Float](repeating: 0, count: batch * size)
        for b in 0..<batch {
            var e = uniform()
            for j in 0..<size {
                if perValue && j > 0 { e = uniform() }
                mixed[b * size + j] = e * real[b * size + j] + (1 - e) * fake[b * size + j]
            }
        }
        var (scores, g) = critic(mixed)
        if sigmoid {
            for b in 0..<batch {
                let s = 1 / (1 + exp(-scores[b]))
                for j in 0..<size { g[b * size + j] *= s * (1 - s) }
            }
        }
        let tiny: Float = noGuard ? 0 : 1e-12
        if overBatch {
            let norm = (g.reduce(0) { $0 + $1 * $1 } + tiny).squareRoot()
            return (lambda * (norm - 1) * (norm - 1), g.map { lambda * 2 * (norm - 1) / norm * $0 })
        }
        scores = []
        var penalty: Float = 0, dg = [Float](repeating: 0, count: batch * size)
        for b in 0..<batch {
            var squares: Float = 0
            for j in 0..<size { squares += g[b * size + j] * g[b * size + j] }
            let norm = (squares + tiny).squareRoot(), scale = sum ? lambda : lambda / Float(batch)
            penalty += towardsZero ? scale * norm * norm : scale * (norm - 1) * (norm - 1)
            for j in 0..<size {
                dg[b * size + j] = towardsZero ? scale * 2 * g[b * size + j] : scale * 2 * (norm - 1) / norm * g[b * size + j]
            }
        }
        return (penalty, dg)
    }
}

/// Chapter 7's wrong answers: the four classic mistakes of the gradient penalty, and one more.
let chapter07WrongAnswers: [WrongAnswer] = [
    WrongAnswer("gradient-penalty", "ε drawn per value (the lines to start from)", hint: "epsilon-per-value") {
        GradientPenaltyCheck.check(penaltyWith(perValue: true))
    },
    WrongAnswer("gradient-penalty", "one norm over the whole batch", hint: "norm-over-batch") {
        GradientPenaltyCheck.check(penaltyWith(overBatch: true))
    },
    WrongAnswer("gradient-penalty", "the gradient of the sigmoid's output", hint: "penalty-on-sigmoid") {
        GradientPenaltyCheck.check(penaltyWith(sigmoid: true))
    },
    WrongAnswer("gradient-penalty", "a plain square root", hint: "root-at-zero") {
        GradientPenaltyCheck.check(penaltyWith(noGuard: true))
    },
    WrongAnswer("gradient-penalty", "‖g‖² pulled towards 0", hint: "norm-towards-zero") {
        GradientPenaltyCheck.check(penaltyWith(towardsZero: true))
    },
    WrongAnswer("gradient-penalty", "a sum over the batch, not a mean", hint: "sum-not-mean") {
        GradientPenaltyCheck.check(penaltyWith(sum: true))
    },
]
