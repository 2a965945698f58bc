import Foundation

/// `linear-backward`: the three gradients against central differences of L = Σ dy · (x · W + b).
public enum LinearBackwardCheck {
    public typealias Answer = ([Float], [Float], [Float], Int, Int, Int) throws
        -> (input: [Float], weight: [Float], bias: [Float])

    public static let notTransposed = Hint(
        "not-transposed",
        "W is [In, Out], stored row by row: W[i, o] is at i · Out + o. Input i reaches output o through W[i, o]: "
            + "check which index of W runs over the outputs when you gather dx, and that dW comes out in W's own "
            + "shape [In, Out].")
    public static let batchMean = Hint(
        "batch-mean",
        "Every example of the batch adds its own part to dW and db: their gradients are sums over the batch. "
            + "Any 1/B already came with dy from the loss; dividing again counts it twice.")
    public static let sign = Hint(
        "sign",
        "Backward returns the derivative of the loss, the direction uphill. The minus sign belongs to the "
            + "optimiser, which steps against the gradient.")

    public static func check(_ answer: Answer) -> Verdict {
        judge {
            for (caseIndex, (b, i, o)) in [(3, 4, 5), (1, 2, 3), (2, 6, 1)].enumerated() {
                let numbers = CheckNumbers(seed: 101 + UInt64(caseIndex))
                let x = numbers.uniform(b * i), w = numbers.uniform(i * o), bias = numbers.uniform(o),
                    dy = numbers.uniform(b * o)
                let (xd, wd, bd, dyd) = (x.doubles, w.doubles, bias.doubles, dy.doubles)
                // L = Σ dy · y, y = x W + b, in Double.
                func loss(_ x: [Double], _ w: [Double], _ bias: [Double]) -> Double {
                    var sum = 0.0
                    for r in 0..<b {
                        for c in 0..<o {
                            var y = bias[c]
                            for k in 0..<i { y += x[r * i + k] * w[k * o + c] }
                            sum += dyd[r * o + c] * y
                        }
                    }
                    return sum
                }
                let expectedX = centralDifferences(xd) { loss($0, wd, bd) }
                let expectedW = centralDifferences(wd) { loss(xd, $0, bd) }
                let expectedB = centralDifferences(bd) { loss(xd, wd, $0) }
                // The known mistakes' numbers.
                let wrongX = (0..<b * i).map { index -> Double in
                    let (r, k) = (index / i, index % i)
                    return (0..<o).reduce(0.0) { $0 + dyd[r * o + $1] * wd[($1 * i + k) % (i * o)] }
                }
                let wrongW = (0..<i * o).map { index -> Double in   // dyᵀ x, laid out [Out, In]
                    let (c, k) = (index / i, index % i)
                    return (0..<b).reduce(0.0) { $0 + dyd[$1 * o + c] * xd[$1 * i + k] }
                }
                let context = "batch \(b), \(i) inputs, \(o) outputs"
                let got = try answer(x, w, dy, b, i, o)
                let how = "central difference"
                try expectClose("dx", got.input, expectedX, shape: [b, i], how: how,
                                mistakes: [Mistake(notTransposed, wrongX), Mistake(sign, expectedX.map { -$0 })],
                                context: context)
                try expectClose("dW", got.weight, expectedW, shape: [i, o], how: how,
                                mistakes: [Mistake(notTransposed, wrongW), Mistake(batchMean, expectedW.map { $0 / Double(b) }),
                                           Mistake(sign, expectedW.map { -$0 })], context: context)
                try expectClose("db", got.bias, expectedB, shape: [o], how: how,
                                mistakes: [Mistake(batchMean, expectedB.map { $0 / Double(b) }),
                                           Mistake(sign, expectedB.map { -$0 })], context: context)
            }
            return "dx, dW and db match central differences (batches of 3, 1 and 2; a single output)"
        }
    }
}
