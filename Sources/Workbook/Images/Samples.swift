import Backprop
import Foundation

/// How a row of a tensor becomes a picture: a gray digit or a colour face.
public enum ImageLayout: Sendable {
    /// side x side gray pixels, row by row (MNIST's 28 x 28).
    case gray(side: Int)
    /// side x side RGB pixels, channel-first (PyTorch's layout: all red values, then green, then blue).
    case rgb(side: Int)

    public var side: Int { switch self { case .gray(let s), .rgb(let s): s } }

    /// Row `row` of `tensor` as an image; `range` is the values' range (black to white).
    public func image(row: Int, of tensor: Tensor, range: ClosedRange<Float> = -1...1) -> Image {
        switch self {
        case .gray(let side): Image(grayRow: row, of: tensor, width: side, height: side, range: range)
        case .rgb(let side): Image(planarRGBRow: row, of: tensor, width: side, height: side, range: range)
        }
    }

    /// The first `count` rows of `images` in a grid of `perRow` columns, `zoom` times larger.
    public func grid(
        _ images: Tensor, count: Int, perRow: Int, zoom: Int = 1, range: ClosedRange<Float> = -1...1
    ) -> Image {
        makeGrid((0..<min(count, images.rows)).map { image(row: $0, of: images, range: range) }, perRow: perRow).scaled(
            by: zoom)
    }
}

/// Runs a generator on `z` in evaluation mode (no dropout) and returns a copy of its images.
public func draw(_ generator: Layer, _ z: Tensor) -> Tensor {
    generator.setTraining(false)
    defer { generator.setTraining(true) }
    return Tensor(copying: generator.forward(z))
}

/// `draw`, `chunk` rows of `z` at a time: a network with large activations (the DCGAN's
/// convolutions) drawing thousands of samples at once would need gigabytes. In evaluation mode each
/// sample depends on its own z alone, so the chunks change nothing.
public func draw(_ generator: Layer, _ z: Tensor, chunk: Int) -> Tensor {
    guard z.rows > chunk else { return draw(generator, z) }
    var out: Tensor? = nil
    let part = Tensor(shape: [0])
    for start in stride(from: 0, to: z.rows, by: chunk) {
        let n = min(chunk, z.rows - start)
        part.reshape(to: [n, z.columns])
        part.data.update(from: z.data + start * z.columns, count: n * z.columns)
        let images = draw(generator, part)
        if out == nil { out = Tensor(shape: [z.rows, images.columns]) }
        (out!.data + start * images.columns).update(from: images.data, count: images.count)
    }
    return out!
}

/// The middle `side - 2 * margin` square of each `side` x `side` gray image: [B, side²] ->
/// [B, (side - 2 margin)²]. Chapter 6 draws digits at 32 x 32; the digit score reads 28 x 28.
public func cropImages(_ images: Tensor, side: Int, margin: Int) -> Tensor {
    precondition(
        images.columns == side * side && 2 * margin < side,
        "cropImages: [B, \(side * side)] images with a margin under half the side")
    let inner = side - 2 * margin
    let out = Tensor(shape: [images.rows, inner * inner])
    for b in 0..<images.rows {
        for y in 0..<inner {
            (out.data + b * inner * inner + y * inner).update(
                from: images.data + b * side * side + (y + margin) * side + margin, count: inner)
        }
    }
    return out
}

/// Walks in latent space: `lines` straight lines, each from one z to the next in `ends`
/// ([2 * lines, latent]), in `steps` points: z = (1 - t) z_a + t z_b with t from 0 to 1.
public func interpolate(_ ends: Tensor, lines: Int, steps: Int) -> Tensor {
    let size = ends.columns
    let path = Tensor(shape: [lines * steps, size])
    for line in 0..<lines {
        for step in 0..<steps {
            let t = Float(step) / Float(steps - 1)
            for k in 0..<size { path[line * steps + step, k] = (1 - t) * ends[2 * line, k] + t * ends[2 * line + 1, k] }
        }
    }
    return path
}

/// The pictures a generative chapter draws from its generator (a GAN's G, a VAE's decoder): a
/// grid of the fixed z after every epoch, and at the end the final grid, the progress strip and
/// the latent walk.
public struct SamplePictures {
    public let run: Run
    public let generator: Layer
    public let layout: ImageLayout
    /// How many times larger the grids are drawn (nearest neighbour).
    public let zoom: Int
    /// The range of the generator's values: [-1, 1] after a tanh (the GANs), [0, 1] after a sigmoid (the VAE).
    public let range: ClosedRange<Float>

    public init(run: Run, generator: Layer, layout: ImageLayout, zoom: Int, range: ClosedRange<Float> = -1...1) {
        self.run = run
        self.generator = generator
        self.layout = layout
        self.zoom = zoom
        self.range = range
    }

    /// The first `count` rows of `images` as a grid of `perRow` columns, at this zoom and range.
    public func grid(_ images: Tensor, count: Int, perRow: Int = 8) -> Image {
        layout.grid(images, count: count, perRow: perRow, zoom: zoom, range: range)
    }

    /// Draws the fixed z (64 of them: an 8 x 8 grid) into `epoch-NNN.png` and returns the samples.
    @discardableResult
    public func epochGrid(_ fixedZ: Tensor, epoch: Int, perRow: Int = 8) throws -> Tensor {
        let samples = draw(generator, fixedZ)
        try PNG.write(grid(samples, count: fixedZ.rows, perRow: perRow), to: run.epochPicture(epoch))
        return samples
    }

    /// `samples.png` (the fixed z now), `progress.png` (the first row of chosen epochs' grids, one
    /// under another) and `interpolation.png` (the walk between `ends`, `steps` points a line).
    /// Returns the epochs the strip shows.
    public func final(fixedZ: Tensor, epochs: Int, ends: Tensor, steps: Int, perRow: Int = 8) throws -> [Int] {
        let stripEpochs = try final(fixedZ: fixedZ, epochs: epochs, perRow: perRow).epochs
        let lines = ends.rows / 2
        try PNG.write(
            grid(draw(generator, interpolate(ends, lines: lines, steps: steps)), count: lines * steps, perRow: steps),
            to: run.output("interpolation.png"))
        return stripEpochs
    }

    /// `samples.png` and `progress.png` alone (no latent walk): returns the samples and the epochs the strip shows.
    @discardableResult
    public func final(fixedZ: Tensor, epochs: Int, perRow: Int = 8) throws -> (samples: Tensor, epochs: [Int]) {
        let samples = draw(generator, fixedZ)
        try PNG.write(grid(samples, count: fixedZ.rows, perRow: perRow), to: run.output("samples.png"))
        let stripEpochs = progressEpochs(upTo: epochs)
        if let strip = progressStrip(
            gridFiles: stripEpochs.map(run.epochPicture), tileHeight: layout.side * zoom, padding: 2 * zoom)
        {
            try PNG.write(strip, to: run.output("progress.png"))
        }
        return (samples, stripEpochs)
    }

    /// Draws `count` samples, `chunk` at a time (a million faces would not fit in memory at
    /// once), from latent vectors that `sample(z, n)` draws; hands each chunk and the index of its
    /// first sample to `body`.
    public func generate(
        count: Int, chunk: Int, sample: (Tensor, Int) -> Void, _ body: (Tensor, Int) throws -> Void
    ) rethrows {
        let z = Tensor(shape: [0])
        for start in stride(from: 0, to: count, by: chunk) {
            sample(z, min(chunk, count - start))
            try body(draw(generator, z), start)
        }
    }

    /// `--generate` for gray images: `count` samples as 8-bit images in `generated-idx3-ubyte`
    /// (MNIST's own IDX format: any MNIST reader loads them) and the first 100 in `generated.png`.
    /// Returns the IDX file. With a `margin`, the IDX images are the middle square without that
    /// border (chapter 6 draws digits at 32 x 32 and writes MNIST's 28 x 28).
    public func generateIDX(count: Int, margin: Int = 0, sample: (Tensor, Int) -> Void) throws -> URL {
        let side = layout.side - 2 * margin
        var bytes = [UInt8](repeating: 0, count: count * side * side)
        try generate(count: count, chunk: 1000, sample: sample) { drawn, start in
            if start == 0 { try PNG.write(grid(drawn, count: 100, perRow: 10), to: run.output("generated.png")) }
            let images = margin == 0 ? drawn : cropImages(drawn, side: layout.side, margin: margin)
            let low = range.lowerBound, scale = 255 / (range.upperBound - range.lowerBound)
            for i in 0..<images.count {
                bytes[start * side * side + i] = UInt8(min(max(((images[i] - low) * scale).rounded(), 0), 255))
            }
        }
        let file = run.output("generated-idx3-ubyte")
        try Disk.write(Data(IDXArray(dimensions: [count, side, side], bytes: bytes).encoded), to: file, kind: .data)
        return file
    }

    /// `--generate` for colour images: one PNG per sample in `generated/` (000001.png, ...) and the
    /// first 64 in `generated.png`. Returns the folder.
    public func generatePNGs(count: Int, sample: (Tensor, Int) -> Void) throws -> URL {
        let folder = run.output("generated")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try generate(count: count, chunk: 256, sample: sample) { images, start in
            for i in 0..<images.rows {
                try PNG.write(
                    layout.image(row: i, of: images, range: range).scaled(by: zoom),
                    to: folder.appendingPathComponent(String(format: "%06d.png", start + i + 1)))
            }
            if start == 0 { try PNG.write(grid(images, count: 64), to: run.output("generated.png")) }
        }
        return folder
    }

    /// `--generate N`: restores the generator `name` from `file` (refusing a checkpoint trained
    /// with other `mustMatch` settings, with `hint`), then draws N samples: digits as an IDX file,
    /// colour images as PNGs (`generateIDX`, `generatePNGs`). Returns the line that says what it drew.
    public func generate(
        _ count: Int, from file: URL, as name: String, settings: [String: String], mustMatch: [String], hint: String,
        margin: Int = 0, sample: (Tensor, Int) -> Void
    ) throws -> String {
        let saved = try Checkpoint.load(
            generator, as: name, from: file, configuration: settings, mustMatch: mustMatch, hint: hint)
        let drawn: URL
        if case .rgb = layout { drawn = try generatePNGs(count: count, sample: sample) } else {
            drawn = try generateIDX(count: count, margin: margin, sample: sample)
        }
        return
            "Drew \(count) samples from \(file.path) (epoch \(saved.epoch)): \(drawn.path) and generated.png (the "
                + "first \(min(count, 100)))"
    }
}
