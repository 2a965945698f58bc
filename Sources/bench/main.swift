// Throughput of the matmul kernels on the shapes the chapters use, in the three forms of a
// Linear layer, on 1 and 2 threads. `swift run -c release bench`
import Backprop
import Foundation

func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// The median time of `runs` timed repetitions after a warm-up.
func median(runs: Int = 7, _ body: () -> Void) -> Double {
    body()
    let times = (0..<runs).map { _ in seconds(body) }.sorted()
    return times[runs / 2]
}

let shapes: [(label: String, m: Int, k: Int, n: Int)] = [
    ("ch1 784->128 b32", 32, 784, 128),
    ("ch2 784->1024 b64", 64, 784, 1024),
    ("ch2 1024->784 b64", 64, 1024, 784),
    ("ch3 784->1024 b128", 128, 784, 1024),
    ("ch3 1024->512 b128", 128, 1024, 512),
    ("ch3 1024->784 b128", 128, 1024, 784),
    ("ch4 12288->1024 b128", 128, 12288, 1024),
]
let rng = RandomGenerator(seed: 1)
print("shape                   threads   X*W GFLOP/s   dY*W^T GFLOP/s   X^T*dY GFLOP/s")
for shape in shapes {
    let (m, k, n) = (shape.m, shape.k, shape.n)
    let x = Tensor(shape: [m, k]), w = Tensor(shape: [k, n]), dy = Tensor(shape: [m, n])
    x.fillNormal(using: rng); w.fillNormal(using: rng); dy.fillNormal(using: rng)
    let y = Tensor(shape: [m, n]), dx = Tensor(shape: [m, k]), dw = Tensor(shape: [k, n])
    let flops = 2.0 * Double(m * k * n)
    for threads in [1, 2] {
        Parallel.threads = threads
        let repeats = max(1, Int(2e8 / flops))
        let forward = median { for _ in 0..<repeats { matmulForward(y.data, x.data, w.data, nil, m: m, k: k, n: n) } }
        let input = median { for _ in 0..<repeats { matmulBackwardInput(dx.data, dy.data, w.data, m: m, k: k, n: n) } }
        let weights = median { for _ in 0..<repeats { matmulBackwardWeights(dw.data, x.data, dy.data, m: m, k: k, n: n) } }
        let g = { (t: Double) in String(format: "%14.1f", flops * Double(repeats) / t / 1e9) }
        print(shape.label.padding(toLength: 24, withPad: " ", startingAt: 0) + "\(threads)      " + g(forward) + "   " + g(input) + "   " + g(weights))
    }
}
