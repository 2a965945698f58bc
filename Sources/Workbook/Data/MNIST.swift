import Backprop
import Foundation

/// MNIST: 70,000 handwritten digits, 28 x 28 gray pixels, 60,000 for training and 10,000 for
/// testing. Pixels stay bytes in memory (47 MB for the training set) and become floats a batch at
/// a time.
public struct MNIST {
    public static let side = 28
    public static let pixelsPerImage = 28 * 28

    public enum Split: String, CaseIterable, Sendable {
        case train, test
        var imagesFile: String { self == .train ? "train-images-idx3-ubyte.gz" : "t10k-images-idx3-ubyte.gz" }
        var labelsFile: String { self == .train ? "train-labels-idx1-ubyte.gz" : "t10k-labels-idx1-ubyte.gz" }
    }

    /// The four official files and their SHA-256 sums, checked after every download.
    public static let files: [(name: String, sha256: String, bytes: Int)] = [
        ("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9_912_422),
        ("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28_881),
        ("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1_648_877),
        ("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4_542),
    ]

    /// Public mirrors of the original files, tried in order.
    public static let mirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ]

    /// Pixel bytes, image after image: `[count, 784]`.
    public let pixels: [UInt8]
    /// The digit (0 to 9) of each image.
    public let labels: [UInt8]

    /// A short fingerprint of the images and labels (SHA-256): two runs on other data differ in it.
    public var fingerprint: String { String(sha256Hex(Data(pixels) + Data(labels)).prefix(16)) }
    public var count: Int { labels.count }

    public init(pixels: [UInt8], labels: [UInt8]) {
        precondition(pixels.count == labels.count * Self.pixelsPerImage, "MNIST: pixels and labels disagree")
        self.pixels = pixels
        self.labels = labels
    }

    /// Loads a split from `root/mnist/`, downloading the files first if they are missing.
    public static func load(_ split: Split, root: URL, download: Bool = true) throws -> MNIST {
        let folder = root.appendingPathComponent("mnist")
        let imagesURL = try locate(split.imagesFile, in: folder, download: download)
        let labelsURL = try locate(split.labelsFile, in: folder, download: download)
        let images = try IDXArray(contentsOf: imagesURL)
        let labels = try IDXArray(contentsOf: labelsURL)
        guard images.dimensions.count == 3, images.dimensions[1] == side, images.dimensions[2] == side else {
            throw WorkbookError(
                "\(imagesURL.path) holds an array of shape \(images.dimensions), not [count, 28, 28] images")
        }
        guard labels.dimensions.count == 1, labels.dimensions[0] == images.dimensions[0] else {
            throw WorkbookError("\(labelsURL.path) has \(labels.dimensions) labels for \(images.dimensions[0]) images")
        }
        if let bad = labels.bytes.first(where: { $0 > 9 }) {
            throw WorkbookError("\(labelsURL.path) holds the label \(bad); MNIST labels are 0 to 9")
        }
        return MNIST(pixels: images.bytes, labels: labels.bytes)
    }

    /// The first `limit` images (all of them when `limit` is nil or larger).
    public func prefix(_ limit: Int?) -> MNIST {
        guard let limit, limit < count else { return self }
        return MNIST(pixels: Array(pixels[0..<(limit * Self.pixelsPerImage)]), labels: Array(labels[0..<limit]))
    }

    /// Writes the images at `indices` into `batch` as floats `[indices.count, 784]`, mapping the
    /// bytes 0...255 linearly onto `range` ([0, 1] for autoencoders, [-1, 1] next to a tanh).
    /// With `padding` p, each image gets a border of p background pixels (the value 0, as
    /// torchvision's Pad): [indices.count, (28 + 2p)²], for networks that halve 32 x 32 images.
    public func fill(
        _ batch: Tensor, with indices: some Collection<Int>, range: ClosedRange<Float> = 0...1, padding: Int = 0
    ) {
        let scale = (range.upperBound - range.lowerBound) / 255, offset = range.lowerBound
        if padding > 0 {
            let side = Self.side + 2 * padding, size = side * side
            batch.reshape(to: [indices.count, size])
            batch.fill(offset)
            pixels.withUnsafeBufferPointer { source in
                for (row, index) in indices.enumerated() {
                    for y in 0..<Self.side {
                        let from = source.baseAddress! + index * Self.pixelsPerImage + y * Self.side
                        let to = batch.data + row * size + (y + padding) * side + padding
                        for x in 0..<Self.side { to[x] = Float(from[x]) * scale + offset }
                    }
                }
            }
            return
        }
        batch.reshape(to: [indices.count, Self.pixelsPerImage])
        pixels.withUnsafeBufferPointer { source in
            for (row, index) in indices.enumerated() {
                let from = source.baseAddress! + index * Self.pixelsPerImage
                let to = batch.data + row * Self.pixelsPerImage
                for p in 0..<Self.pixelsPerImage { to[p] = Float(from[p]) * scale + offset }
            }
        }
    }

    /// The images at `indices` as a new batch, pixels in [0, 1]: [N, 784].
    public func images(_ indices: some Collection<Int>) -> Tensor {
        let batch = Tensor(shape: [0])
        fill(batch, with: indices)
        return batch
    }

    /// The labels of the examples at `indices`, one-hot: row b is all zeros but a 1 in the column
    /// of its digit. [B, 10], for the conditional VAE of chapter 5.
    public func fillOneHotLabels(_ tensor: Tensor, with indices: some Collection<Int>) {
        oneHot(indices.lazy.map { Int(labels[$0]) }, classes: 10, into: tensor)   // lazy: nothing allocated per step
    }

    /// The index of the first `perDigit` images of each digit 0...9, digit by digit: a fixed,
    /// balanced set to draw every epoch.
    public func examplesOfEachDigit(_ perDigit: Int) -> [Int] {
        var found = [[Int]](repeating: [], count: 10)
        for (index, label) in labels.enumerated() where found[Int(label)].count < perDigit {
            found[Int(label)].append(index)
        }
        return (0..<perDigit).flatMap { round in
            (0..<10).compactMap { found[$0].count > round ? found[$0][round] : nil }
        }
    }

    /// Finds a file in the MNIST folder (or its unpacked twin, without `.gz`), downloading it
    /// when it is missing and `download` is true.
    static func locate(_ name: String, in folder: URL, download: Bool) throws -> URL {
        let url = folder.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: url.path) { return url }
        let unpacked = folder.appendingPathComponent(String(name.dropLast(3)))
        if FileManager.default.fileExists(atPath: unpacked.path) { return unpacked }
        guard download else { throw missingDataError(folder: folder, reason: "\(name) is missing") }
        try downloadFile(name, into: folder)
        return url
    }

    static func downloadFile(_ name: String, into folder: URL) throws {
        guard let expected = files.first(where: { $0.name == name }) else {
            throw WorkbookError("unknown MNIST file \(name)")
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw missingDataError(
                folder: folder, reason: "cannot create \(folder.path): \(error.localizedDescription)")
        }
        var failures: [String] = []
        for mirror in mirrors {
            guard let source = URL(string: mirror + name) else { continue }
            do {
                let data = try Downloader.fetch(source, label: "MNIST \(name)", expectedBytes: expected.bytes)
                let digest = sha256Hex(data)
                guard digest == expected.sha256 else {
                    failures.append("\(mirror): checksum mismatch (got SHA-256 \(digest.prefix(16))...)")
                    continue
                }
                try data.write(to: folder.appendingPathComponent(name), options: .atomic)
                return
            } catch {
                failures.append("\(source.host ?? mirror): \(error.localizedDescription)")
            }
        }
        throw missingDataError(
            folder: folder,
            reason: "downloading \(name) failed:\n" + failures.map { "  - \($0)" }.joined(separator: "\n"))
    }

    /// The message a reader sees when MNIST cannot be found or fetched: what is wrong, where the
    /// workbook looked, and exactly which files to put where.
    static func missingDataError(folder: URL, reason: String) -> WorkbookError {
        let list = files.map { "    \($0.name)   (SHA-256 \($0.sha256))" }.joined(separator: "\n")
        return WorkbookError("""
            MNIST is not available: \(reason)
            The workbook looks for it in \(folder.path)
            (the data folder comes from --data-dir, else $\(DataLocation.environmentVariable), else ./data; \
            MNIST lives in its mnist/ subfolder).
            Fix it in one of these ways:
              * connect to the internet and run again: the files are downloaded and verified automatically;
              * or copy these four files (from any MNIST mirror, e.g. \(mirrors[0])) into \(folder.path):
            \(list)
              * or point the workbook at a folder that already has mnist/ inside: --data-dir PATH
            """)
    }
}
