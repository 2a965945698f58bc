import Testing
@testable import Backprop

/// Shapes chosen to hit every path: single values, tails narrower than a SIMD register, tiles
/// with leftover rows and columns, odd sizes, the sizes the chapters use, and lopsided ones. Batches
/// that are multiples of 16 take the transposed route of the input gradient; the others the direct one.
let awkwardShapes: [(m: Int, k: Int, n: Int)] = [
    (1, 1, 1), (7, 13, 5), (4, 16, 16), (5, 17, 33), (3, 2, 9), (129, 257, 65), (32, 784, 128),
    (33, 9, 18), (64, 100, 1), (2, 1, 40), (13, 300, 47), (128, 1024, 784),
    (400, 300, 40), (9, 30, 1100), (40, 2000, 24), (128, 400, 20), (128, 20, 400), (96, 784, 400),
]

func randomTensor(_ shape: [Int], _ rng: RandomGenerator) -> Tensor {
    let t = Tensor(shape: shape)
    t.fillUniform(using: rng, low: -1, high: 1)
    return t
}

@Suite("Fast matmul kernels against the naive ones")
struct MatmulTests {
    @Test(arguments: awkwardShapes.indices, [1, 2])
    func forwardMatchesNaiveExactly(_ shapeIndex: Int, threads: Int) {
        let (m, k, n) = awkwardShapes[shapeIndex]
        let rng = RandomGenerator(seed: UInt64(shapeIndex))
        let x = randomTensor([m, k], rng), w = randomTensor([k, n], rng), b = randomTensor([n], rng)
        let fast = Tensor(shape: [m, n]), naive = Tensor(shape: [m, n])
        for wide in [false, true] {   // the 6 x 16 tile and the 12 x 16 one
            withThreads(threads, wideTile: wide) { matmulForward(fast.data, x.data, w.data, b.data, m: m, k: k, n: n) }
            matmulForwardNaive(naive.data, x.data, w.data, b.data, m: m, k: k, n: n)
            #expect(firstDifference(fast, naive) == nil, "forward \(m)x\(k)x\(n) on \(threads) threads, wide tile \(wide)")
            withThreads(threads, wideTile: wide) { matmulForward(fast.data, x.data, w.data, nil, m: m, k: k, n: n) }
            matmulForwardNaive(naive.data, x.data, w.data, nil, m: m, k: k, n: n)
            #expect(firstDifference(fast, naive) == nil, "forward without bias \(m)x\(k)x\(n), wide tile \(wide)")
        }
    }

    @Test(arguments: awkwardShapes.indices, [1, 2])
    func weightGradientMatchesNaiveExactly(_ shapeIndex: Int, threads: Int) {
        let (m, k, n) = awkwardShapes[shapeIndex]
        let rng = RandomGenerator(seed: 100 + UInt64(shapeIndex))
        let x = randomTensor([m, k], rng), dy = randomTensor([m, n], rng)
        for wide in [false, true] {
            let fast = randomTensor([k, n], rng), naive = Tensor(copying: fast)   // both accumulate
            withThreads(threads, wideTile: wide) { matmulBackwardWeights(fast.data, x.data, dy.data, m: m, k: k, n: n) }
            matmulBackwardWeightsNaive(naive.data, x.data, dy.data, m: m, k: k, n: n)
            #expect(firstDifference(fast, naive) == nil, "weight gradient \(m)x\(k)x\(n) on \(threads) threads, wide tile \(wide)")
        }
    }

    @Test(arguments: awkwardShapes.indices, [1, 2])
    func inputGradientMatchesNaiveExactly(_ shapeIndex: Int, threads: Int) {
        let (m, k, n) = awkwardShapes[shapeIndex]
        let rng = RandomGenerator(seed: 200 + UInt64(shapeIndex))
        let dy = randomTensor([m, n], rng), w = randomTensor([k, n], rng)
        let fast = Tensor(shape: [m, k]), naive = Tensor(shape: [m, k])
        for wide in [false, true] {
            withThreads(threads, wideTile: wide) { matmulBackwardInput(fast.data, dy.data, w.data, m: m, k: k, n: n) }
            matmulBackwardInputNaive(naive.data, dy.data, w.data, m: m, k: k, n: n)
            #expect(firstDifference(fast, naive) == nil, "input gradient \(m)x\(k)x\(n) on \(threads) threads, wide tile \(wide)")
        }
    }

    @Test func resultsAreBitIdenticalOnOneAndTwoThreads() {
        let rng = RandomGenerator(seed: 3)
        let (m, k, n) = (128, 784, 1024)
        let x = randomTensor([m, k], rng), w = randomTensor([k, n], rng), dy = randomTensor([m, n], rng)
        var outputs: [[Float]] = []
        for threads in [1, 2] {
            let y = Tensor(shape: [m, n]), dx = Tensor(shape: [m, k]), dw = Tensor(shape: [k, n])
            withThreads(threads) {
                matmulForward(y.data, x.data, w.data, nil, m: m, k: k, n: n)
                matmulBackwardInput(dx.data, dy.data, w.data, m: m, k: k, n: n)
                matmulBackwardWeights(dw.data, x.data, dy.data, m: m, k: k, n: n)
            }
            outputs.append(y.values + dx.values + dw.values)
        }
        #expect(outputs[0] == outputs[1])
    }
}

/// nil when both tensors hold the same bits; otherwise the first element that differs.
func firstDifference(_ a: Tensor, _ b: Tensor) -> String? {
    guard a.shape == b.shape else { return "shapes \(a.shape) and \(b.shape)" }
    for i in 0..<a.count where a[i].bitPattern != b[i].bitPattern {
        return "element \(i) (row \(i / a.columns), column \(i % a.columns)): \(a[i]) vs \(b[i])"
    }
    return nil
}

/// Runs `body` with the kernels limited to `threads` threads.
/// (The tests in this file share `Parallel.threads`, so they run serially.)
func withThreads(_ threads: Int, wideTile: Bool = MatmulTile.wide, _ body: () -> Void) {
    threadLock.lock(); defer { threadLock.unlock() }
    let (saved, savedTile) = (Parallel.threads, MatmulTile.wide)
    (Parallel.threads, MatmulTile.wide) = (threads, wideTile)
    body()
    (Parallel.threads, MatmulTile.wide) = (saved, savedTile)
}

import Foundation
let threadLock = NSLock()
