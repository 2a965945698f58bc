import Backprop
import Foundation

/// The step t as the network sees it (Vaswani et al.'s positional encoding, as the DDPM U-Net uses
/// it): a vector of sines and cosines of t at geometrically spaced frequencies, so that nearby
/// steps get similar vectors and the network can tell t = 10 from t = 900 at every scale. A small
/// perceptron then maps it to each block's channels (the learnt part; this part has no weights).
///
///     t: B steps   ->   [B, D],  D even,  half = D/2,  ω_i = 10000^(−i/(half − 1)),  i = 0 ..< half
///     e[b, i] = sin(t_b ω_i),   e[b, half + i] = cos(t_b ω_i)
public func timeEmbedding(_ steps: [Int], size: Int, into: Tensor) {
    precondition(size >= 4 && size % 2 == 0, "the time embedding's size must be even and at least 4 (got \(size))")
    let half = size / 2
    into.reshape(to: [steps.count, size])
    for (b, t) in steps.enumerated() {
        for i in 0..<half {
            let angle = Double(t) * pow(10_000, -Double(i) / Double(half - 1))
            into[b, i] = Float(sin(angle))
            into[b, half + i] = Float(cos(angle))
        }
    }
}
