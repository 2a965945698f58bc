import Backprop
import Foundation

public extension SamplePictures {
    /// `real.png`: 64 real images as D sees them (`TrainingImages.realSample`). Returns their
    /// variety (mean pairwise distance), the yardstick the samples' variety is measured against.
    func real(_ images: TrainingImages) throws -> Double {
        let sample = images.realSample()
        try PNG.write(grid(sample, count: 64), to: run.output("real.png"))
        return meanPairwiseDistance(sample)
    }

    /// Another run's samples above this run's, tile for tile: the first `rows` rows (8 a row) of
    /// `samples.png` in `folder`, and below them the same rows of `samples`, drawn at that run's
    /// zoom, written to `name`. `cropTo`: gray samples are first cropped to that side (chapter 6's
    /// digits, drawn at 32 x 32, to MNIST's 28 x 28). False when that run has no such picture or
    /// its tiles do not match.
    func beside(_ folder: URL, _ samples: Tensor, rows: Int, name: String, cropTo: Int? = nil) -> Bool {
        let theirZoom = (try? RunMetrics(contentsOf: folder)).flatMap { Int($0.configuration["zoom"] ?? "") } ?? 1
        var layout = self.layout, samples = samples
        if let cropTo {
            samples = cropImages(samples, side: layout.side, margin: (layout.side - cropTo) / 2)
            layout = .gray(side: cropTo)
        }
        let tileRows = rows * (layout.side + 2) * theirZoom
        guard let theirs = try? PNG.read(folder.appendingPathComponent("samples.png")).cropped(top: 0, height: tileRows)
        else { return false }
        let mine = layout.grid(samples, count: 8 * rows, perRow: 8, zoom: theirZoom, range: range).cropped(
            top: 0, height: tileRows)
        guard theirs.width == mine.width, theirs.channels == mine.channels else { return false }
        return (try? PNG.write(Image.stacked([theirs, mine]), to: run.output(name))) != nil
    }

    /// `manifold.png`, for a code of 2 numbers: the decodings of a `side` x `side` grid of codes at
    /// evenly spaced quantiles of N(0, 1) in both numbers (z₁ left to right, z₂ bottom to top).
    func latentMap(side: Int = 20) throws {
        let quantiles = (0..<side).map { Float(normalQuantile((Double($0) + 0.5) / Double(side))) }
        let grid = Tensor(shape: [side * side, 2])
        for row in 0..<side {
            for column in 0..<side {
                grid[row * side + column, 0] = quantiles[column];
                grid[row * side + column, 1] = quantiles[side - 1 - row]
            }
        }
        try PNG.write(
            self.grid(draw(generator, grid), count: side * side, perRow: side), to: run.output("manifold.png"))
    }
}

/// Where an encoder puts digits: their codes (2 numbers each, rows of `codes`) as points
/// coloured by their digit.
public func codesChart(_ codes: Tensor, digit: (Int) -> Int) -> Chart {
    var byDigit = [[(x: Double, y: Double)]](repeating: [], count: 10)
    for i in 0..<codes.rows { byDigit[digit(i)].append((x: Double(codes[i, 0]), y: Double(codes[i, 1]))) }
    let colours = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    ]  // ten distinct ones
    var chart = Chart(
        title: "Where the encoder puts \(codes.rows) test digits: their means μ", xLabel: "z₁", yLabel: "z₂",
        series: (0..<10).map { .init("\($0)", byDigit[$0], style: "points pt 7 ps 0.4 lc rgb '\(colours[$0])'") })
    chart.settings = ["set size square", "set key outside right"]
    return chart
}

/// Two batches of images as alternate rows of `perRow`: the first row of `a`, then of `b`, and so on.
public func interleavedRows(_ a: Tensor, _ b: Tensor, perRow: Int) -> Tensor {
    let out = Tensor(shape: [a.rows + b.rows, a.columns])
    var row = 0
    for first in stride(from: 0, to: a.rows, by: perRow) {
        for source in [a, b] {
            for i in first..<min(first + perRow, source.rows) {
                (out.data + row * a.columns).update(from: source.data + i * a.columns, count: a.columns)
                row += 1
            }
        }
    }
    return out
}

/// The rows of `tensor` at `indices`, in that order (an index may repeat): the same ten z asked for
/// every digit, a row of the grid per digit.
public func pickRows(_ indices: [Int], of tensor: Tensor) -> Tensor {
    let out = Tensor(shape: [indices.count, tensor.columns]), n = tensor.columns
    for (row, index) in indices.enumerated() { (out.data + row * n).update(from: tensor.data + index * n, count: n) }
    return out
}
