import Backprop

/// A small MNIST classifier, 784-256-128-10 with ReLU (and dropout 0.2 while training), trained
/// with the workbook's own library. It is the judge of generated digits (appendix A): what digit is
/// this, how sure are you, and what do your 128 penultimate units (the "features") make of it?
public final class DigitClassifier {
    public static let sizes = [784, 256, 128, 10]
    public static let epochs = 15
    public let network: Sequential
    /// The random numbers of the network's initial weights, then of its dropout masks: a
    /// checkpoint keeps their state, so that an interrupted training continues bit for bit.
    public let dropoutRandomness: RandomGenerator

    public init(seed: UInt64 = 1) {
        let rng = RandomGenerator(seed: seed)
        dropoutRandomness = rng
        network = Sequential(Linear(784, 256, rng: rng), ReLU(), Dropout(probability: 0.2, rng: rng),
                             Linear(256, 128, rng: rng), ReLU(), Dropout(probability: 0.2, rng: rng), Linear(128, 10, rng: rng))
        network.needsInputGradient = false
    }

    /// Class probabilities [N, 10] and penultimate features [N, 128] of images [N, 784] with
    /// pixels in 0...1, computed a thousand at a time.
    public func classify(_ images: Tensor) -> (probabilities: Tensor, features: Tensor) {
        let n = images.rows
        let probabilities = Tensor(shape: [n, 10]), features = Tensor(shape: [n, 128])
        let chunk = Tensor(shape: [0])
        network.setTraining(false)
        for start in stride(from: 0, to: n, by: 1000) {
            let m = min(1000, n - start)
            chunk.reshape(to: [m, 784])
            chunk.data.update(from: images.data + start * 784, count: m * 784)
            var x = chunk
            for (i, layer) in network.layers.enumerated() {
                x = layer.forward(x)
                if i == network.layers.count - 2 {   // after the second ReLU
                    (features.data + start * 128).update(from: x.data, count: m * 128)
                }
            }
            softmaxRows(x)
            (probabilities.data + start * 10).update(from: x.data, count: m * 10)
        }
        network.setTraining(true)
        return (probabilities, features)
    }
}
