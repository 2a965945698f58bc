import Backprop
import Foundation
import Models

// Chapter 7's outputs: the critic's distance estimate beside the Fréchet distance, what keeps the
// critic 1-Lipschitz (its weights, their largest singular values, its gradient's norm), and, for a
// conditional GAN, whether G drew the digit it was asked for.

public extension GANEpoch {
    /// The critic's estimate of the Wasserstein-1 distance between real and fake digits over the
    /// epoch: mean D(x) − mean D(G(z)) (meaningful while the critic is 1-Lipschitz).
    var wassersteinEstimate: Double { realScore - fakeScore }

    /// What chapter 7 adds to metrics.json: the estimate, and a conditional G's share of samples
    /// read as the digit asked for.
    var wassersteinMetrics: [String: Double] {
        var metrics = ["W estimate": wassersteinEstimate]
        if let asked = score?.askedAccuracy { metrics["asked-for digit read"] = asked.reduce(0, +) / Double(asked.count) }
        return metrics
    }
}

public extension Notebook {
    /// The output "distance": `distance.png`, the critic's estimate of the Wasserstein distance per
    /// epoch beside appendix A's Fréchet distance (when the run scores its digits).
    func distanceBesideScore(_ history: [GANEpoch]) throws {
        guard !history.isEmpty else { return }
        let estimate = Chart(title: "The critic's estimate", xLabel: "epoch", yLabel: "mean D(x) − mean D(G(z))",
                             series: [.init("W estimate", history.map { (Double($0.epoch), $0.wassersteinEstimate) },
                                            style: "linespoints")])
        let scored = history.compactMap { e in e.score.map { (Double(e.epoch), $0.frechetDistance) } }
        var charts = [estimate]
        if !scored.isEmpty {
            var frechet = Chart(title: "Appendix A's Fréchet distance", xLabel: "epoch", yLabel: "Fréchet distance",
                                series: [.init("Fréchet distance", scored, style: "linespoints")], logScaleY: true)
            frechet.key = "top right"
            charts.append(frechet)
        }
        let file = try Chart.drawStrip(charts, title: "Two distances between G's digits and real ones, epoch by epoch",
                                       panelSize: (450, 360), into: run.outputFolder, name: "distance")
        chart("distance", "The critic's distance beside the Fréchet distance", file,
              caption: "the critic's estimate of the Wasserstein distance and the Fréchet distance, per epoch")
    }

    /// The output "lipschitz": the critic's weights as a histogram (`critic-weights.png`) and a table
    /// of what keeps it 1-Lipschitz: the share of weights pinned at ±c (clipping), each layer's
    /// largest singular value before division (spectral normalisation), or the norms ‖∇D(x̂)‖ of
    /// the last batch (the penalty).
    func lipschitz(_ critic: Layer, constraint: Lipschitz, penalty: GradientPenalty?) throws {
        let layers = linearWeights(critic)
        let all = layers.flatMap(\.values)
        guard let low = all.min(), let high = all.max(), high > low else { return }
        let bins = 60, width = (high - low) / Float(bins)
        var counts = [Double](repeating: 0, count: bins)
        for w in all { counts[min(bins - 1, Int((w - low) / width))] += 1 }
        let points = counts.enumerated().filter { $0.element > 0 }.map {
            (x: Double(low + (Float($0.offset) + 0.5) * width), y: $0.element / Double(all.count))
        }
        var histogram = Chart(title: "The critic's weights (\(constraint))", xLabel: "weight",
                              yLabel: "share of the weights", series: [.init("weights", points, style: "boxes")],
                              logScaleY: true)
        histogram.settings = ["set style fill solid 0.6", "set boxwidth \(width)", "set format y '%g'"]
        let file = try histogram.draw(into: run.outputFolder, name: "critic-weights")
        var rows: [[String]] = []
        switch constraint {
        case .weightClipping(let c):
            rows = layers.enumerated().map { index, layer in
                let pinned = layer.values.filter { abs($0) >= c }.count
                return ["layer \(index + 1) (\(layer.shape))", "\(fixed(100 * Double(pinned) / Double(layer.values.count), 1))%"]
            }
            table("lipschitz", "What keeps the critic Lipschitz: weights pinned at ±\(c)", ["layer", "weights at ±c"], rows)
        case .spectralNormalization:
            rows = innermostLayers(critic).compactMap { $0 as? SpectralNormalization }.enumerated().map { index, layer in
                ["layer \(index + 1)", fixed(Double(layer.sigma), 3)]
            }
            table("lipschitz", "What keeps the critic 1-Lipschitz: each weight divided by its σ",
                  ["layer", "σ(W), the largest singular value it is divided by"], rows)
        case .gradientPenalty:
            let norms = penalty?.norms.map(Double.init) ?? []
            guard !norms.isEmpty else { break }
            let mean = norms.reduce(0, +) / Double(norms.count)
            table("lipschitz", "What keeps the critic 1-Lipschitz: ‖∇D(x̂)‖ in the last step", ["", "‖∇D(x̂)‖"],
                  [["mean", fixed(mean, 3)], ["smallest", fixed(norms.min()!, 3)], ["largest", fixed(norms.max()!, 3)]])
        }
        chart("critic weights", "The critic's weights", file, caption: "a histogram of the critic's weights")
    }

    /// The output "asked": a conditional `drawer`'s samples (200 asked for each digit) as the classifier
    /// reads them: the share read as the digit asked for, per digit, epoch by epoch.
    func askedFor<Epoch: ScoredEpoch>(_ history: [Epoch], drawer: String = "G") {
        let rows = history.compactMap { e in
            e.score?.askedAccuracy.map { accuracy in
                ["\(e.epoch)"] + accuracy.map { "\(fixed(100 * $0, 1))%" }
                    + ["\(fixed(100 * accuracy.reduce(0, +) / Double(accuracy.count), 1))%"]
            }
        }
        guard !rows.isEmpty else { return }
        table("asked", "Did \(drawer) draw the digit it was asked for? The share read as asked",
              ["epoch"] + (0..<10).map { "\($0)" } + ["all"], rows)
    }
}

/// The weights (not the biases) of every Linear layer in `network`, in order, as learnt (a spectrally
/// normalised layer's raw W).
func linearWeights(_ network: Layer) -> [(shape: String, values: [Float])] {
    innermostLayers(network).compactMap { layer in
        if let layer = layer as? SpectralNormalization {
            return ("\(layer.inner.inputSize)x\(layer.inner.outputSize)", layer.weight.value.values)
        }
        guard let layer = layer as? Linear else { return nil }
        return ("\(layer.inputSize)x\(layer.outputSize)", layer.weight.value.values)
    }
}

/// The layers of `network`, with every Sequential opened up.
func innermostLayers(_ network: Layer) -> [Layer] {
    guard let sequence = network as? Sequential else { return [network] }
    return sequence.layers.flatMap(innermostLayers)
}
