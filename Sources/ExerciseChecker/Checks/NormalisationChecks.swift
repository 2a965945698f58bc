import Foundation

// Batch statistics: batch normalisation's backward (chapter 6) and the minibatch standard
// deviation (appendix C). Both mix the examples of a batch, which is where they go wrong.

/// Per feature of x [B, F]: the mean, and the variance divided by `divisor(B)`.
private func statistics(_ x: [Double], _ b: Int, _ f: Int, divisor: Double) -> (mean: [Double], variance: [Double]) {
    var mean = [Double](repeating: 0, count: f), variance = mean
    for j in 0..<f {
        for i in 0..<b { mean[j] += x[i * f + j] }
        mean[j] /= Double(b)
        for i in 0..<b { variance[j] += (x[i * f + j] - mean[j]) * (x[i * f + j] - mean[j]) }
        variance[j] /= divisor
    }
    return (mean, variance)
}

/// `batchnorm-backward`: against central differences of L = Σ dy · (γ x̂ + β).
public enum BatchNormBackwardCheck {
    public static let constants = Hint(
        "statistics-as-constants",
        "μ and σ² are computed from the batch, so each x moves them, and through them every x̂ of its feature. "
            + "dx needs those paths too, not only the direct one.")
    public static let unbiased = Hint(
        "unbiased-variance",
        "In training, batch normalisation divides the squared deviations by B (the batch's own variance), "
            + "not by B − 1.")
    public static let sign = Hint("sign", "The gradient points uphill, in the direction the loss grows. Check its sign.")

    public static func check(_ answer: ([Float], [Float], [Float], Int, Int, Float) throws
        -> (input: [Float], gamma: [Float], beta: [Float])) -> Verdict
    {
        judge {
            let epsilon: Float = 1e-5
            for (index, (b, f)) in [(6, 3), (2, 2), (16, 1)].enumerated() {
                let numbers = CheckNumbers(seed: 71 + UInt64(index))
                let x = numbers.uniform(b * f, -2, 2), gamma = numbers.uniform(f, 0.5, 1.5), beta = numbers.uniform(f),
                    dy = numbers.uniform(b * f)
                let (xd, dyd, eps) = (x.doubles, dy.doubles, Double(epsilon))
                func loss(_ x: [Double], _ gamma: [Double], _ beta: [Double], divisor: Double) -> Double {
                    let (mean, variance) = statistics(x, b, f, divisor: divisor)
                    var sum = 0.0
                    for i in 0..<b * f {
                        let j = i % f
                        sum += dyd[i] * (gamma[j] * (x[i] - mean[j]) / (variance[j] + eps).squareRoot() + beta[j])
                    }
                    return sum
                }
                let n = Double(b)
                let expectedX = centralDifferences(xd) { loss($0, gamma.doubles, beta.doubles, divisor: n) }
                let expectedGamma = centralDifferences(gamma.doubles) { loss(xd, $0, beta.doubles, divisor: n) }
                let expectedBeta = centralDifferences(beta.doubles) { loss(xd, gamma.doubles, $0, divisor: n) }
                let variance = statistics(xd, b, f, divisor: n).variance
                // The formula of the backward pass, with the variance divided by B − 1.
                let (mean, unbiasedVariance) = statistics(xd, b, f, divisor: n - 1)
                var wrongUnbiased = [Double](repeating: 0, count: b * f)
                for j in 0..<f {
                    let inverse = 1 / (unbiasedVariance[j] + eps).squareRoot()
                    let xHat = (0..<b).map { (xd[$0 * f + j] - mean[j]) * inverse }
                    let meanDy = (0..<b).reduce(0.0) { $0 + dyd[$1 * f + j] } / n
                    let meanDyXHat = (0..<b).reduce(0.0) { $0 + dyd[$1 * f + j] * xHat[$1] } / n
                    for i in 0..<b {
                        wrongUnbiased[i * f + j] = Double(gamma[j]) * inverse * (dyd[i * f + j] - meanDy - xHat[i] * meanDyXHat)
                    }
                }
                let direct = (0..<b * f).map { Double(gamma[$0 % f]) * dyd[$0] / (variance[$0 % f] + eps).squareRoot() }
                let got = try answer(x, gamma, dy, b, f, epsilon)
                let context = "batch \(b), \(f) features, ε 1e-5"
                try expectClose("dx", got.input, expectedX, shape: [b, f], how: "central difference",
                                tolerance: Tolerance(absolute: 1e-4, relative: 2e-3),
                                mistakes: [Mistake(constants, direct), Mistake(unbiased, wrongUnbiased),
                                           Mistake(sign, expectedX.map { -$0 })], context: context)
                try expectClose("dγ", got.gamma, expectedGamma, shape: [f], how: "central difference",
                                mistakes: [Mistake(sign, expectedGamma.map { -$0 })], context: context)
                try expectClose("dβ", got.beta, expectedBeta, shape: [f], how: "central difference",
                                mistakes: [Mistake(sign, expectedBeta.map { -$0 })], context: context)
            }
            return "dx, dγ and dβ match central differences (batches of 6, 2 and 16)"
        }
    }
}

/// `minibatch-deviation`: against the definition.
public enum MinibatchDeviationCheck {
    public static let unbiased = Hint(
        "unbiased-variance", "The deviation is the batch's own: squared deviations divided by B, not B − 1.")
    public static let wrongAxis = Hint(
        "wrong-axis",
        "σ_f measures how the examples differ from each other: it runs over the batch, one per feature. "
            + "Every row gets the same s.")
    public static let meanOfVariances = Hint(
        "mean-of-variances",
        "s is the mean of the features' standard deviations σ_f: take each root first, then the mean.")
    public static let epsilonMissing = Hint(
        "epsilon-missing",
        "When every example is the same, the variance is 0, and the slope of a square root at 0 is infinite: "
            + "ε under the root keeps both the value and its gradient finite.")

    static func reference(_ x: [Double], _ b: Int, _ f: Int, _ eps: Double, variant: String = "") -> [Double] {
        var s = 0.0
        var perRow = [Double](repeating: 0, count: b)
        if variant == "axis" {   // one deviation per example, over its features
            let rows = (0..<b).map { Array(x[$0 * f..<($0 + 1) * f]) }
            perRow = rows.map { row in
                let mean = row.reduce(0, +) / Double(f)
                return (row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(f) + eps).squareRoot()
            }
        } else {
            let (_, variance) = statistics(x, b, f, divisor: variant == "unbiased" ? Double(b - 1) : Double(b))
            s = variant == "meanOfVariances" ? (variance.reduce(0, +) / Double(f) + eps).squareRoot()
                : variance.reduce(0) { $0 + ($1 + (variant == "epsilon" ? 0 : eps)).squareRoot() } / Double(f)
            perRow = [Double](repeating: s, count: b)
        }
        var y = [Double](repeating: 0, count: b * (f + 1))
        for i in 0..<b {
            for j in 0..<f { y[i * (f + 1) + j] = x[i * f + j] }
            y[i * (f + 1) + f] = perRow[i]
        }
        return y
    }

    public static func check(_ answer: ([Float], Int, Int, Float) throws -> [Float]) -> Verdict {
        judge {
            let numbers = CheckNumbers(seed: 81)
            let same = [Float](repeating: 0.25, count: 3)
            let cases: [(String, [Float], Int, Int)] = [
                ("a batch of 8 with 5 features", numbers.uniform(40, -2, 2), 8, 5),
                ("a batch of 2 with 1 feature", [0.5, -1.5], 2, 1),
                ("4 equal examples", same + same + same + same, 4, 3),
            ]
            let epsilon: Float = 1e-8
            for (name, x, b, f) in cases {
                let xd = x.doubles, eps = Double(epsilon)
                let variants = [("unbiased", unbiased), ("axis", wrongAxis), ("meanOfVariances", meanOfVariances),
                                ("epsilon", epsilonMissing)].map { Mistake($0.1, reference(xd, b, f, eps, variant: $0.0)) }
                try expectClose("y", try answer(x, b, f, epsilon), reference(xd, b, f, eps), shape: [b, f + 1],
                                how: "the definition", tolerance: Tolerance(absolute: 1e-6, relative: 1e-4),
                                mistakes: b > 1 ? variants : [], nonFinite: unbiased, context: name + ", ε 1e-8")
            }
            return "y matches the definition (a batch of 8, a batch of 2, and 4 equal examples where σ = √ε)"
        }
    }
}
