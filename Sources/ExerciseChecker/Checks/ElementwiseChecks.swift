import Foundation

// The activations' backward passes (chapters 1 and 3): dx = dy · f'(x), with f' written in terms
// of the output y. Each is checked against central differences of f itself, at x = f⁻¹(y).

private let chainRule = Hint(
    "chain-rule",
    "Backward multiplies the local slope by the gradient that arrives from above (dy): the chain rule. "
        + "Without dy, every layer below learns as if the loss cared equally about every output.")
private let sign = Hint(
    "sign", "Backward returns the derivative itself, uphill; the minus sign belongs to the optimiser.")

/// Checks dx for outputs y and gradients dy against central differences of f at x = inverse(y).
private func checkActivation(_ answer: ([Float], [Float]) throws -> [Float], name: String, cases: [[Float]],
                             inverse: (Double) -> Double, f: @escaping (Double) -> Double,
                             mistakes: ([Double], [Double]) -> [Mistake]) throws {
    for (index, y) in cases.enumerated() {
        let dy = CheckNumbers(seed: 7 + UInt64(index)).uniform(y.count, -2, 2)
        let x = y.map { inverse(Double($0)) }
        let slopes = x.map { x in (f(x + 1e-6) - f(x - 1e-6)) / 2e-6 }
        let expected = zip(slopes, dy).map { $0 * Double($1) }
        let got = try answer(y, dy)
        try expectClose("dx", got, expected, shape: [y.count], how: "central difference of \(name) at x",
                        mistakes: mistakes(y.doubles, dy.doubles) + [Mistake(sign, expected.map { -$0 }),
                            Mistake(chainRule, slopes)], context: "\(y.count) values")
    }
}

/// `sigmoid-backward`.
public enum SigmoidBackwardCheck {
    public static let oneMinusY = Hint(
        "missing-one-minus-y",
        "σ'(x) has two factors: the output itself and one minus it. Check that both are there.")
    public static let appliedTwice = Hint(
        "applied-twice",
        "y is already σ(x). Write the slope from y directly; applying σ to y again computes σ'(σ(x)).")

    public static func check(_ answer: ([Float], [Float]) throws -> [Float]) -> Verdict {
        judge {
            let random = CheckNumbers(seed: 3).uniform(12, 0.02, 0.98)
            try checkActivation(
                answer, name: "σ", cases: [random, [0.5], [1e-4, 0.9999, 0.25]], inverse: { log($0 / (1 - $0)) },
                f: { 1 / (1 + exp(-$0)) }
            ) { y, dy in
                let s = y.map { 1 / (1 + exp(-$0)) }
                return [Mistake(oneMinusY, zip(y, dy).map { $0 * $1 }),
                        Mistake(appliedTwice, (0..<y.count).map { dy[$0] * s[$0] * (1 - s[$0]) })]
            }
            return "dx matches central differences of σ (12 values in (0, 1), one value, and outputs near 0 and 1)"
        }
    }
}

/// `tanh-backward`.
public enum TanhBackwardCheck {
    public static let square = Hint(
        "missing-square", "tanh'(x) = 1 − tanh(x)²: the output enters squared.")
    public static let appliedTwice = Hint(
        "applied-twice",
        "y is already tanh(x). Write the slope from y directly; applying tanh to y again computes something else.")

    public static func check(_ answer: ([Float], [Float]) throws -> [Float]) -> Verdict {
        judge {
            let random = CheckNumbers(seed: 4).uniform(12, -0.97, 0.97)
            try checkActivation(answer, name: "tanh", cases: [random, [0.3], [-0.999, 0.999, 0]],
                                inverse: { atanh($0) }, f: { tanh($0) }) { y, dy in
                [Mistake(square, zip(y, dy).map { (1 - $0) * $1 }),
                 Mistake(appliedTwice, zip(y, dy).map { (1 - tanh($0) * tanh($0)) * $1 })]
            }
            return "dx matches central differences of tanh (12 values in (−1, 1), one value, and outputs near ±1)"
        }
    }
}

/// `leaky-relu-backward`.
public enum LeakyReLUBackwardCheck {
    public static let negativeSide = Hint(
        "negative-side-blocked",
        "Where x < 0, LeakyReLU is slope · x, not 0: its gradient there is small but not zero. That is the "
            + "whole point of the leak.")
    public static let sidesSwapped = Hint(
        "sides-swapped", "Which side has slope 1 and which has the leak? Look at the definition again.")
    public static let scaledByOutput = Hint(
        "scaled-by-output",
        "The slope on each side is a constant (1 or the leak): it does not grow with the size of y.")

    public static func check(_ answer: ([Float], [Float], Float) throws -> [Float]) -> Verdict {
        judge {
            let slope: Float = 0.2
            let x = CheckNumbers(seed: 5).uniform(14, -2, 2).map { abs($0) < 0.05 ? $0 + 0.1 : $0 }
            let y = x.map { $0 > 0 ? $0 : slope * $0 }
            try checkActivation({ try answer($0, $1, slope) }, name: "LeakyReLU(0.2)", cases: [y, [-0.4]],
                                inverse: { $0 > 0 ? $0 : $0 / Double(slope) },
                                f: { $0 > 0 ? $0 : Double(slope) * $0 }) { y, dy in
                let a = Double(slope)
                return [Mistake(negativeSide, zip(y, dy).map { $0 > 0 ? $1 : 0 }),
                        Mistake(sidesSwapped, zip(y, dy).map { $0 > 0 ? a * $1 : $1 }),
                        Mistake(scaledByOutput, zip(y, dy).map { $0 * $1 })]
            }
            return "dx matches central differences of LeakyReLU with slope 0.2 (both sides; one value)"
        }
    }
}
