import Foundation

// Chapter 5: the two places where the VAE's gradient differs from an autoencoder's.

private let sign = Hint("sign", "The gradient points uphill, in the direction the loss grows. Check its sign.")

/// `reparameterize-backward`: against central differences of L = Σ dz · (μ + exp(log σ² / 2) · ε).
public enum ReparameterizeBackwardCheck {
    public static let half = Hint(
        "missing-half",
        "σ = exp(log σ² / 2): the network's number is log σ², and the /2 inside the exponential comes out as a "
            + "factor when you differentiate.")
    public static let sigmaNotLogVariance = Hint(
        "sigma-not-log-variance",
        "The encoder predicts log σ², not σ: differentiate z with respect to log σ², through σ = exp(log σ² / 2).")
    public static let varianceNotSigma = Hint(
        "variance-not-sigma",
        "z = μ + σ ε uses σ, the square root of the variance: check which power of exp(log σ²) appears.")
    public static let meanGradient = Hint(
        "mean-gradient", "z moves one for one with μ: dz/dμ is 1, whatever ε and σ are.")

    public static func check(_ answer: ([Float], [Float], [Float]) throws -> (mean: [Float], logVariance: [Float]))
        -> Verdict
    {
        judge {
            for (index, n) in [12, 1].enumerated() {
                let numbers = CheckNumbers(seed: 21 + UInt64(index))
                let dz = numbers.uniform(n), eps = numbers.uniform(n, -2, 2), logVariance = numbers.uniform(n, -3, 2)
                let mu = numbers.uniform(n)
                let (dzd, ed) = (dz.doubles, eps.doubles)
                func loss(_ mu: [Double], _ lv: [Double]) -> Double {
                    var sum = 0.0
                    for i in 0..<n { sum += dzd[i] * (mu[i] + exp(lv[i] / 2) * ed[i]) }
                    return sum
                }
                let expectedMean = centralDifferences(mu.doubles) { loss($0, logVariance.doubles) }
                let expectedLV = centralDifferences(logVariance.doubles) { loss(mu.doubles, $0) }
                let got = try answer(dz, eps, logVariance)
                let context = "\(n) values"
                try expectClose("dμ", got.mean, expectedMean, shape: [n], how: "central difference",
                                mistakes: [Mistake(meanGradient, zip(dzd, ed).map { $0 * $1 }),
                                           Mistake(sign, expectedMean.map { -$0 })], context: context)
                let lv = logVariance.doubles
                try expectClose("dlog σ²", got.logVariance, expectedLV, shape: [n], how: "central difference",
                                mistakes: [Mistake(half, expectedLV.map { 2 * $0 }),
                                           Mistake(sigmaNotLogVariance, zip(dzd, ed).map { $0 * $1 }),
                                           Mistake(varianceNotSigma, (0..<n).map { dzd[$0] * ed[$0] * exp(lv[$0]) / 2 }),
                                           Mistake(sign, expectedLV.map { -$0 })], context: context)
            }
            return "dμ and dlog σ² match central differences (12 values, and one)"
        }
    }
}

/// `kl-gradient`: against central differences of KL = −1/2 Σ (1 + log σ² − μ² − σ²) / B.
public enum KLGradientCheck {
    public static let half = Hint(
        "missing-half", "The KL term carries a factor −1/2 in front of the whole sum: it reaches both gradients.")
    public static let sumNotMean = Hint(
        "sum-not-mean",
        "The KL term is averaged over the B codes of the batch (summed over the Z numbers of each): each code's "
            + "gradient carries a factor 1/B.")
    public static let missingOne = Hint(
        "missing-log-term", "The derivative of log σ² with respect to log σ² is 1: that term is easy to drop.")

    public static func check(_ answer: ([Float], [Float], Int) throws -> (mean: [Float], logVariance: [Float]))
        -> Verdict
    {
        judge {
            for (index, (b, z)) in [(4, 3), (1, 2)].enumerated() {
                let numbers = CheckNumbers(seed: 31 + UInt64(index))
                let mu = numbers.uniform(b * z, -2, 2), logVariance = numbers.uniform(b * z, -2, 1.5)
                func kl(_ mu: [Double], _ lv: [Double]) -> Double {
                    var sum = 0.0
                    for i in 0..<mu.count { sum += 1 + lv[i] - mu[i] * mu[i] - exp(lv[i]) }
                    return -0.5 * sum / Double(b)
                }
                let (mud, lvd) = (mu.doubles, logVariance.doubles)
                let expectedMean = centralDifferences(mud) { kl($0, lvd) }
                let expectedLV = centralDifferences(lvd) { kl(mud, $0) }
                let got = try answer(mu, logVariance, b)
                let context = "batch \(b), codes of \(z)"
                try expectClose("dμ", got.mean, expectedMean, shape: [b, z], how: "central difference",
                                mistakes: [Mistake(sumNotMean, expectedMean.map { $0 * Double(b) }),
                                           Mistake(half, expectedMean.map { $0 * 2 }),
                                           Mistake(sign, expectedMean.map { -$0 })], context: context)
                try expectClose("dlog σ²", got.logVariance, expectedLV, shape: [b, z], how: "central difference",
                                mistakes: [Mistake(half, expectedLV.map { $0 * 2 }),
                                           Mistake(sumNotMean, expectedLV.map { $0 * Double(b) }),
                                           Mistake(missingOne, lvd.map { exp($0) / 2 / Double(b) }),
                                           Mistake(sign, expectedLV.map { -$0 })], context: context)
            }
            return "dμ and dlog σ² match central differences (a batch of 4 codes of 3, and one code of 2)"
        }
    }
}
