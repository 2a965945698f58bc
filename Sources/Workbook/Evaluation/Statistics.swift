import Backprop
import Foundation

/// A symmetric n x n matrix of Doubles, row-major. Just enough linear algebra for the Fréchet
/// distance: means, covariances, and the square root of a symmetric matrix.
public struct SymmetricMatrix: Equatable {
    public let n: Int
    public var values: [Double]

    public init(n: Int, values: [Double]) {
        precondition(values.count == n * n, "\(values.count) values for a \(n)x\(n) matrix")
        self.n = n
        self.values = values
    }

    public subscript(i: Int, j: Int) -> Double {
        get { values[i * n + j] }
        set { values[i * n + j] = newValue }
    }

    public var trace: Double { (0..<n).reduce(0) { $0 + self[$1, $1] } }

    /// The product A B of two n x n matrices (symmetric or not; the result as stored).
    public func multiplied(by other: SymmetricMatrix) -> SymmetricMatrix {
        var result = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for k in 0..<n {
                let a = values[i * n + k]
                if a == 0 { continue }
                for j in 0..<n { result[i * n + j] += a * other.values[k * n + j] }
            }
        }
        return SymmetricMatrix(n: n, values: result)
    }

    /// Eigenvalues and eigenvectors (the columns of `vectors`) by Jacobi's method: rotate pairs of
    /// rows and columns until every off-diagonal value is negligible. Slow for big matrices
    /// (n^3 per sweep) but simple, and exact to rounding for symmetric ones; 128 x 128 takes a blink.
    public func eigen() -> (values: [Double], vectors: SymmetricMatrix) {
        var a = self, v = SymmetricMatrix(n: n, values: (0..<(n * n)).map { $0 / n == $0 % n ? 1 : 0 })
        let scale = max(values.reduce(0) { $0 + $1 * $1 }, .leastNormalMagnitude)
        for _ in 0..<100 {
            var offDiagonal = 0.0
            for p in 0..<n { for q in (p + 1)..<n { offDiagonal += a[p, q] * a[p, q] } }
            if offDiagonal <= 1e-26 * scale { break }
            for p in 0..<(n - 1) {
                for q in (p + 1)..<n where a[p, q] != 0 {
                    // The rotation by angle φ that zeroes a[p, q]: t = tan φ is the smaller root
                    // of t² + 2θt − 1 = 0, θ = (a_qq − a_pp) / (2 a_pq).
                    let theta = (a[q, q] - a[p, p]) / (2 * a[p, q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {                      // columns p and q of A, and of V
                        let akp = a[k, p], akq = a[k, q]
                        a[k, p] = c * akp - s * akq
                        a[k, q] = s * akp + c * akq
                        let vkp = v[k, p], vkq = v[k, q]
                        v[k, p] = c * vkp - s * vkq
                        v[k, q] = s * vkp + c * vkq
                    }
                    for k in 0..<n {                      // rows p and q of A
                        let apk = a[p, k], aqk = a[q, k]
                        a[p, k] = c * apk - s * aqk
                        a[q, k] = s * apk + c * aqk
                    }
                }
            }
        }
        return ((0..<n).map { a[$0, $0] }, v)
    }

    /// The symmetric square root: the matrix R with R R = A, for a symmetric positive
    /// semi-definite A. With A = V diag(λ) Vᵀ, R = V diag(√λ) Vᵀ (tiny negative λ from rounding
    /// count as 0).
    public func squareRoot() -> SymmetricMatrix {
        let (lambda, v) = eigen()
        let roots = lambda.map { $0 > 0 ? $0.squareRoot() : 0 }
        var r = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                var sum = 0.0
                for k in 0..<n { sum += v[i, k] * roots[k] * v[j, k] }
                r[i * n + j] = sum
                r[j * n + i] = sum
            }
        }
        return SymmetricMatrix(n: n, values: r)
    }
}

/// The mean and covariance of a set of feature vectors (the rows of a [N, D] tensor).
public struct FeatureStatistics {
    public let mean: [Double]
    public let covariance: SymmetricMatrix
    public let count: Int

    public init(_ features: Tensor) {
        let n = features.rows, d = features.columns
        precondition(n >= 2, "statistics need at least two feature vectors")
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += Double(features[i, j]) } }
        for j in 0..<d { mean[j] /= Double(n) }
        var covariance = [Double](repeating: 0, count: d * d)
        var centred = [Double](repeating: 0, count: d)
        for i in 0..<n {
            for j in 0..<d { centred[j] = Double(features[i, j]) - mean[j] }
            for j in 0..<d where centred[j] != 0 {
                let cj = centred[j]
                for k in j..<d { covariance[j * d + k] += cj * centred[k] }
            }
        }
        for j in 0..<d {
            for k in j..<d {
                covariance[j * d + k] /= Double(n - 1)      // the unbiased estimate, as numpy's cov
                covariance[k * d + j] = covariance[j * d + k]
            }
        }
        self.mean = mean
        self.covariance = SymmetricMatrix(n: d, values: covariance)
        count = n
    }

    /// The Fréchet distance between two Gaussians with these statistics (Dowson and Landau, 1982):
    ///     d² = |μa − μb|² + Tr(Σa + Σb − 2 (Σa Σb)^½).
    /// Σa Σb is not symmetric, but Tr (Σa Σb)^½ = Tr (Σa^½ Σb Σa^½)^½, whose inside is symmetric
    /// and positive semi-definite: two square roots by eigen-decomposition, no complex numbers.
    public func frechetDistance(to other: FeatureStatistics) -> Double {
        precondition(mean.count == other.mean.count, "features of different sizes")
        let meanTerm = zip(mean, other.mean).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let rootA = covariance.squareRoot()
        let inner = rootA.multiplied(by: other.covariance).multiplied(by: rootA)
        let symmetricInner = SymmetricMatrix(n: inner.n, values: (0..<(inner.n * inner.n)).map { i in
            (inner.values[i] + inner.values[(i % inner.n) * inner.n + i / inner.n]) / 2   // remove rounding asymmetry
        })
        let crossTrace = symmetricInner.squareRoot().trace
        return max(meanTerm + covariance.trace + other.covariance.trace - 2 * crossTrace, 0)
    }
}

/// The p-quantile of the standard normal distribution: the x with Φ(x) = p. Found by bisection on
/// Φ(x) = erfc(−x / √2) / 2, which is monotonic; 80 halvings of [-40, 40] leave an error far
/// below a Float's resolution. (Chapter 5 decodes a grid of codes at evenly spaced quantiles.)
public func normalQuantile(_ p: Double) -> Double {
    precondition(p > 0 && p < 1, "normalQuantile: p must lie in (0, 1) (got \(p))")
    var low = -40.0, high = 40.0
    for _ in 0..<80 {
        let middle = (low + high) / 2
        if erfc(-middle / 2.0.squareRoot()) / 2 < p { low = middle } else { high = middle }
    }
    return (low + high) / 2
}

/// A Gaussian kernel estimate of the density of `points` ([N, 1]) at `xs`, with Silverman's bandwidth.
public func kernelDensity(of points: Tensor, at xs: [Double]) -> [Double] {
    let values = (0..<points.rows).map { Double(points[$0, 0]) }
    let mean = values.reduce(0, +) / Double(values.count)
    let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
    let bandwidth = max(1.06 * std * pow(Double(values.count), -0.2), 0.01)
    return xs.map { x in values.reduce(0.0) { $0 + normalDensity(x, mean: $1, std: bandwidth) } / Double(values.count) }
}
