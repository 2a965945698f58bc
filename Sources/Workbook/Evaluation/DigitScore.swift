import Backprop
import Foundation

/// A small MNIST classifier, 784-256-128-10 with ReLU (and dropout 0.2 while training), trained
/// with the workbook's own library. It is the judge of generated digits: what digit is this, how
/// sure are you, and what do your 128 penultimate units (the "features") make of it?
public final class DigitClassifier {
    public static let sizes = [784, 256, 128, 10]
    public static let epochs = 15
    public let network: Sequential

    public init(seed: UInt64 = 1) {
        let rng = RandomGenerator(seed: seed)
        network = Sequential(
            Linear(784, 256, rng: rng), ReLU(), Dropout(probability: 0.2, rng: rng),
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
                // after the second ReLU
                if i == network.layers.count - 2 { (features.data + start * 128).update(from: x.data, count: m * 128) }
            }
            softmaxRows(x)
            (probabilities.data + start * 10).update(from: x.data, count: m * 10)
        }
        network.setTraining(true)
        return (probabilities, features)
    }

    /// The share of `set`'s images classified as their label.
    public func accuracy(on set: MNIST) -> Double {
        let images = Tensor(shape: [0])
        set.fill(images, with: 0..<set.count)
        let (probabilities, _) = classify(images)
        let correct = (0..<set.count).filter { row in
            (0..<10).max { probabilities[row, $0] < probabilities[row, $1] } == Int(set.labels[row])
        }.count
        return Double(correct) / Double(set.count)
    }

    /// Trains on `train` with Adam and softmax cross-entropy, showing a progress bar per epoch. The
    /// learning rate shrinks by a fifth each epoch: big steps first, fine ones at the end.
    public func train(on train: MNIST, epochs: Int = DigitClassifier.epochs, batchSize: Int = 128, seed: UInt64 = 1) {
        let rng = RandomGenerator(seed: seed &+ 1)
        let adam = Adam(network.parameters, learningRate: 1e-3)
        let loss = SoftmaxCrossEntropyLoss()
        let batch = Tensor(shape: [0])
        for epoch in 1...epochs {
            adam.learningRate = 1e-3 * pow(0.8, Float(epoch - 1))
            var order = Array(0..<train.count)
            rng.shuffle(&order)
            let progress = ProgressBar(title: "digit classifier, epoch \(epoch)/\(epochs)", total: train.count)
            var sum = 0.0, steps = 0
            for start in stride(from: 0, to: train.count, by: batchSize) {
                let indices = order[start..<min(start + batchSize, train.count)]
                train.fill(batch, with: indices)                                   // x: [B, 784] in [0, 1]
                adam.zeroGradients()
                let logits = network.forward(batch)                                // [B, 10]
                sum += Double(loss.forward(logits, labels: indices.map { Int(train.labels[$0]) }))
                _ = network.backward(loss.backward())
                adam.step()
                steps += 1
                progress.update(completed: start + indices.count, status: "loss \(fixed(sum / Double(steps), 4))")
            }
            progress.finish(status: "loss \(fixed(sum / Double(steps), 4))")
        }
    }

    /// The classifier for `train`: read from `cacheFolder` if it was trained on exactly these
    /// images (their SHA-256 is in the file), else trained now (half a minute) and saved there.
    public static func trained(
        on train: MNIST, cacheFolder: URL?
    ) throws -> (classifier: DigitClassifier, file: URL?, fresh: Bool) {
        let fingerprint = sha256Hex(Data(train.pixels)) + "-" + sha256Hex(Data(train.labels))
        let classifier = DigitClassifier()
        let file = cacheFolder?.appendingPathComponent("digit-classifier.bin")
        let configuration = [
            "network": sizes.map(String.init).joined(separator: "-") + " dropout 0.2", "epochs": "\(epochs)",
            "recipe": "Adam lr 1e-3 times 0.8 each epoch, batch 128, seed 1",
            "training images": fingerprint,
        ]
        if let file, let saved = try? Checkpoint(contentsOf: file), saved.configuration == configuration,
           (try? saved.restore(classifier.network, as: "classifier")) != nil {
            return (classifier, file, false)
        }
        classifier.train(on: train)
        guard let file else { return (classifier, nil, true) }
        var checkpoint = Checkpoint(epoch: epochs, randomState: [1, 2, 3, 4], configuration: configuration)
        checkpoint.add(classifier.network, as: "classifier")
        do {
            try FileManager.default.createDirectory(
                at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try checkpoint.write(to: file, kind: .cache)
        } catch {
            FileHandle.standardError.write(
                Data(
                    "warning: the digit classifier could not be saved (\(error)); it will be trained again next time\n"
                        .utf8))
            return (classifier, nil, true)
        }
        return (classifier, file, true)
    }
}

/// How a set of generated digits looks to the classifier.
public struct DigitScore: Codable, Equatable, Sendable {
    /// The share of the samples classified as each digit (sums to 1).
    public var classShares: [Double]
    /// The classifier's mean probability for the class it picked: high for clear digits.
    public var meanConfidence: Double
    /// The Fréchet distance between the samples' features and the test digits' (0: the same
    /// Gaussian; grows with any difference in mean or spread).
    public var frechetDistance: Double

    /// The share of the rarest and of the most common digit (0.1 and 0.1 for perfect coverage).
    public var rarestShare: Double { classShares.min() ?? 0 }
    public var commonShare: Double { classShares.max() ?? 0 }
    public var rarestDigit: Int { classShares.firstIndex(of: rarestShare) ?? 0 }
    public var commonDigit: Int { classShares.firstIndex(of: commonShare) ?? 0 }

    /// A warning when some digits are (nearly) never drawn: mode collapse seen by the classifier.
    public func coverageWarning(epoch: Int) -> String? {
        guard rarestShare < 0.02 else { return nil }
        let missing = classShares.enumerated().filter { $0.element < 0.02 }.map { String($0.offset) }
        return
            "possible mode collapse: in epoch \(epoch) the classifier sees the digit(s) "
                + "\(missing.joined(separator: ", ")) in under 2% "
            + "of the samples (10% each is perfect coverage), and \(commonDigit) in "
            + "\(Int((commonShare * 100).rounded()))%."
    }
}

/// Scores generated digits against the 10,000 MNIST test digits.
public final class DigitScorer {
    public let classifier: DigitClassifier
    /// The test digits' feature statistics: the reference for the Fréchet distance.
    public let reference: FeatureStatistics

    /// The scorer a chapter uses: the classifier trained on all of `train` (or read from the cache
    /// in `cacheFolder`), its accuracy on `test` said in one line, and `test` as the reference.
    public static func prepared(train: MNIST, test: MNIST, cacheFolder: URL?) throws -> DigitScorer {
        let (classifier, file, fresh) = try DigitClassifier.trained(on: train, cacheFolder: cacheFolder)
        print(
            "Digit classifier\(fresh ? " trained" : ""): \(fixed(100 * classifier.accuracy(on: test), 2))% right on "
                + "the test digits"
                + (file.map { " (\(fresh ? "saved to" : "from") \($0.path))" } ?? ""))
        return DigitScorer(classifier: classifier, reference: test)
    }

    public init(classifier: DigitClassifier, reference test: MNIST) {
        self.classifier = classifier
        let images = Tensor(shape: [0])
        test.fill(images, with: 0..<test.count)
        reference = FeatureStatistics(classifier.classify(images).features)
    }

    /// Scores images [N, 784] whose pixels lie in `range` (-1...1 for a tanh generator).
    public func score(_ images: Tensor, range: ClosedRange<Float> = 0...1) -> DigitScore {
        let n = images.rows
        let scaled = Tensor(shape: images.shape)
        let width = range.upperBound - range.lowerBound
        for i in 0..<images.count { scaled.data[i] = min(max((images.data[i] - range.lowerBound) / width, 0), 1) }
        let (probabilities, features) = classifier.classify(scaled)
        var counts = [Double](repeating: 0, count: 10), confidence = 0.0
        for row in 0..<n {
            let best = (0..<10).max { probabilities[row, $0] < probabilities[row, $1] }!
            counts[best] += 1
            confidence += Double(probabilities[row, best])
        }
        return DigitScore(classShares: counts.map { $0 / Double(n) }, meanConfidence: confidence / Double(n),
                          frechetDistance: FeatureStatistics(features).frechetDistance(to: reference))
    }
}
