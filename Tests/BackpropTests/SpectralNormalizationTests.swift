import Foundation
import Testing
@testable import Backprop

/// Spectral normalisation (Layers/SpectralNormalization.swift): σ is W's largest singular value,
/// the normalised layer stretches nothing by more than 1, and the gradient through W / σ(W) matches
/// central differences, both with u and v held (what backward assumes) and with σ recomputed exactly.
@Suite("Spectral normalisation")
struct SpectralNormalizationTests {
    func layer(seed: UInt64 = 9) -> SpectralNormalization {
        let rng = RandomGenerator(seed: seed)
        return SpectralNormalization(Linear(7, 5, rng: rng), rng: rng)
    }

    /// W's largest singular value, by the power iteration on WᵀW in Double, run to convergence.
    func largestSingularValue(_ w: Tensor, rows n: Int, columns m: Int) -> Double {
        var x = [Double](repeating: 1, count: m)
        var value = 0.0
        for _ in 0..<2000 {
            let wx = (0..<n).map { i in (0..<m).reduce(0.0) { $0 + Double(w[i * m + $1]) * x[$1] } }
            var y = (0..<m).map { j in (0..<n).reduce(0.0) { $0 + Double(w[$1 * m + j]) * wx[$1] } }
            value = y.reduce(0) { $0 + $1 * $1 }.squareRoot()
            y = y.map { $0 / value }
            x = y
        }
        return value.squareRoot()
    }

    @Test func sigmaIsTheLargestSingularValueAndNothingIsStretched() {
        let sn = layer()
        sn.normalizeWeight(iterations: 300)
        let expected = largestSingularValue(sn.weight.value, rows: 7, columns: 5)
        #expect(abs(Double(sn.sigma) - expected) < 1e-4 * expected, "σ \(sn.sigma), by SVD \(expected)")
        // ‖x (W/σ)‖ ≤ ‖x‖ for any x, and = ‖x‖ for x = v.
        let rng = RandomGenerator(seed: 4)
        let x = Tensor(shape: [20, 7])
        x.fillNormal(using: rng)
        sn.inner.bias.value.fill(0)
        sn.setTraining(false)
        let y = sn.forward(x)
        for row in 0..<20 {
            let inNorm = (0..<7).reduce(Float(0)) { $0 + x[row, $1] * x[row, $1] }.squareRoot()
            let outNorm = (0..<5).reduce(Float(0)) { $0 + y[row, $1] * y[row, $1] }.squareRoot()
            #expect(outNorm <= inNorm * (1 + 1e-4), "row \(row) was stretched: \(outNorm) > \(inNorm)")
        }
        let top = Tensor(shape: [1, 7], values: sn.v)
        let stretched = sn.forward(top)
        let norm = (0..<5).reduce(Float(0)) { $0 + stretched[0, $1] * stretched[0, $1] }.squareRoot()
        #expect(abs(norm - 1) < 1e-3, "v, W's top singular direction, keeps its length: \(norm)")
    }

    @Test func theGradientMatchesCentralDifferencesWithUAndVHeld() {
        let sn = layer(), rng = RandomGenerator(seed: 21)
        sn.normalizeWeight(iterations: 50)
        sn.setTraining(false)   // no more iterations: σ = vᵀ W u with u and v held, as backward assumes
        expectAllPass(checkLayerGradients(sn, input: randomInput([3, 7], rng: rng), rng: rng), "SpectralNormalization")
    }

    @Test func atConvergenceTheGradientIsThatOfTheTrueSingularValue() {
        let sn = layer(), rng = RandomGenerator(seed: 22)
        sn.normalizeWeight(iterations: 300)
        let x = randomInput([3, 7], rng: rng), r = Tensor(shape: [3, 5])
        r.fillUniform(using: rng, low: -1, high: 1)
        sn.parameters.forEach { $0.gradient.fill(0) }
        _ = sn.forward(x)
        _ = sn.backward(r)
        let analytic = Tensor(copying: sn.weight.gradient)
        // L = Σ r · (x (W / σ(W)) + b), σ recomputed to convergence for every nudge of W.
        let results = checkGradients([("weight", sn.weight.value, analytic)], epsilon: 1e-3) {
            sn.normalizeWeight(iterations: 300)
            let y = sn.inner.forward(x)
            return (0..<y.count).reduce(0.0) { $0 + Double(y[$1]) * Double(r[$1]) }
        }
        expectAllPass(results, "dL/dW through the true σ(W)")
    }
}
