import Backprop
import Crypto
import Foundation

/// Images from folders of JPEG and PNG files (CelebA's `img_align_celeba`, say), each resized and
/// center-cropped to `side` x `side` RGB, kept as bytes in memory (12 KB an image at 64 x 64; the
/// whole of CelebA is 2.5 GB that way) and turned into floats a batch at a time.
///
/// Decoding is the slow part, so the decoded set is cached in one file; a later run with the same
/// folders starts at once, and a changed folder (a file added, removed or modified) is decoded again.
public final class ImageFolder {
    public let side: Int
    public let count: Int
    /// The images, one after another, each channel-first: all red values, then green, then blue
    /// (PyTorch's layout, so a row of a batch is one image).
    public let pixels: UnsafeMutableBufferPointer<UInt8>
    /// The files that could not be used, and why (relative to their folder).
    public let skipped: [Problem]
    /// Files that were used although libjpeg worked around damage in them.
    public let repaired: [Problem]
    /// Files in the folders that are not JPEG or PNG by their name (ignored).
    public let otherFiles: Int
    /// True when the images came from the cache rather than from decoding.
    public let fromCache: Bool
    public let cacheFile: URL?

    public struct Problem: Codable, Equatable, Sendable {
        public var file: String
        public var reason: String
    }

    public var bytesPerImage: Int { 3 * side * side }

    /// A short fingerprint of the decoded images (SHA-256 of their pixels): other faces differ in it.
    public var fingerprint: String {
        String(sha256Hex(Data(buffer: UnsafeBufferPointer(rebasing: pixels[0..<(count * bytesPerImage)]))).prefix(16))
    }

    init(side: Int, count: Int, pixels: UnsafeMutableBufferPointer<UInt8>, skipped: [Problem], repaired: [Problem],
         otherFiles: Int, fromCache: Bool, cacheFile: URL?) {
        self.side = side
        self.count = count
        self.pixels = pixels
        self.skipped = skipped
        self.repaired = repaired
        self.otherFiles = otherFiles
        self.fromCache = fromCache
        self.cacheFile = cacheFile
    }

    deinit { pixels.deallocate() }

    /// Copies the images at `indices` into `batch` as `[indices.count, 3 * side * side]`, with
    /// pixel values 0...255 mapped onto `range` (-1...1 for a generator ending in tanh).
    public func fill(_ batch: Tensor, with indices: some Collection<Int>, range: ClosedRange<Float> = -1...1) {
        let n = bytesPerImage
        batch.reshape(to: [indices.count, n])
        let scale = (range.upperBound - range.lowerBound) / 255, offset = range.lowerBound
        for (row, index) in indices.enumerated() {
            precondition(index >= 0 && index < count, "image \(index) of \(count)")
            let source = pixels.baseAddress! + index * n, target = batch.data + row * n
            for i in 0..<n { target[i] = Float(source[i]) * scale + offset }
        }
    }

    /// Image `index` as an RGB picture.
    public func image(_ index: Int) -> Image {
        let plane = side * side, source = pixels.baseAddress! + index * bytesPerImage
        var rgb = [UInt8](repeating: 0, count: 3 * plane)
        for p in 0..<plane { for c in 0..<3 { rgb[p * 3 + c] = source[c * plane + p] } }
        return Image(width: side, height: side, channels: 3, pixels: rgb)
    }

    // MARK: Finding the files

    /// The image files under `folder`, recursively, sorted by path, and how many other files there were.
    static func listing(_ folder: URL) throws -> (files: [(path: String, size: Int, modified: Double)], others: Int) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw WorkbookError("the image folder \(folder.path) does not exist")
        }
        let keys: [URLResourceKey] = [.isRegularFileKey, .isSymbolicLinkKey, .fileSizeKey, .contentModificationDateKey]
        guard
            let walker = FileManager.default.enumerator(
                at: folder, includingPropertiesForKeys: keys, options: [.skipsHiddenFiles])
        else {
            throw WorkbookError("cannot read the folder \(folder.path)")
        }
        let bases = [folder.standardizedFileURL.resolvingSymlinksInPath().path, folder.standardizedFileURL.path]
        var files: [(path: String, size: Int, modified: Double)] = [], others = 0
        for case let url as URL in walker {
            guard var values = try? url.resourceValues(forKeys: Set(keys)) else { continue }
            if values.isSymbolicLink == true {
                // A link to a file elsewhere (a common way to make a subset) counts as that file. A
                // broken one is listed all the same, so that it is reported as skipped, with its reason.
                if FileManager.default.fileExists(atPath: url.path),   // follows the link
                   let targetValues = try? url.resolvingSymlinksInPath().resourceValues(forKeys: Set(keys)) {
                    values = targetValues
                } else if ["jpg", "jpeg", "png"].contains(url.pathExtension.lowercased()) {
                    files.append((relative(url.standardizedFileURL.path, to: bases), 0, 0))
                    continue
                }
            }
            guard values.isRegularFile == true else { continue }
            guard ["jpg", "jpeg", "png"].contains(url.pathExtension.lowercased()) else { others += 1; continue }
            files.append((relative(url.standardizedFileURL.path, to: bases), values.fileSize ?? 0,
                          values.contentModificationDate?.timeIntervalSince1970 ?? 0))
        }
        files.sort { $0.path < $1.path }
        return (files, others)
    }

    /// `path` relative to the first of `bases` it lies in.
    static func relative(_ path: String, to bases: [String]) -> String {
        for base in bases where path.hasPrefix(base + "/") { return String(path.dropFirst(base.count + 1)) }
        return path
    }

    // MARK: Loading

    /// What to do when there are no faces: CelebA is never downloaded automatically (its hosts
    /// limit downloads). `orElse` adds another way out (chapter 6: train on digits).
    public static func howToGetCelebA(orElse: String = "") -> String {
        "CelebA is not downloaded automatically (its hosts limit downloads). Get the aligned faces, img_align_celeba "
            + "(202,599 JPEGs, 1.4 GB), from the official page, https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html "
            + "(Google Drive: Img/img_align_celeba.zip), or from Kaggle's \"CelebFaces Attributes (CelebA) Dataset\". "
            + "Unzip it and "
            + "either put the JPEGs in celeba/ under the data folder (--data-dir, or "
            + "$\(DataLocation.environmentVariable)) or pass "
            + "--images <folder>." + orElse
    }

    /// Loads every image under `folders` (or the first `limit` of them), from the cache in
    /// `cacheFolder` if it matches the files, else by decoding them (both cores, a progress bar)
    /// and then writing the cache. Throws if no image at all can be used.
    public static func load(
        folders: [URL], side: Int, limit: Int? = nil, cacheFolder: URL?, help: String
    ) throws -> ImageFolder {
        var sources: [(folder: URL, path: String)] = [], others = 0
        var fingerprint = SHA256()
        fingerprint.update(data: Data("GWIMG version \(version), side \(side)\n".utf8))
        for folder in folders {
            let (files, otherCount): ([(path: String, size: Int, modified: Double)], Int)
            do { (files, otherCount) = try listing(folder) } catch let error as WorkbookError {
                throw WorkbookError("\(error.message).\n\(help)")
            }
            others += otherCount
            fingerprint.update(data: Data("folder \(folder.standardizedFileURL.path)\n".utf8))
            for file in files.prefix(max(0, (limit ?? Int.max) - sources.count)) {
                sources.append((folder, file.path))
                fingerprint.update(data: Data("\(file.path)\t\(file.size)\t\(file.modified)\n".utf8))
            }
        }
        guard !sources.isEmpty else {
            throw WorkbookError(
                "no .jpg, .jpeg or .png files in \(folders.map(\.path).joined(separator: ", ")).\n\(help)")
        }
        let digest = fingerprint.finalize().map { String(format: "%02x", $0) }.joined()

        // One cache file per choice of folders and limit; its header holds the fingerprint of the files.
        let cacheName = sha256Hex(
            Data((folders.map(\.standardizedFileURL.path) + ["\(limit ?? 0)", "\(side)"]).joined(separator: "\n").utf8))
        let cacheFile = cacheFolder?.appendingPathComponent("images-\(side)px-\(cacheName.prefix(12)).cache")
        if let cacheFile, let cached = try? readCache(cacheFile, fingerprint: digest, side: side, otherFiles: others) {
            return cached
        }

        let decoded = decode(
            sources.map { $0.folder.appendingPathComponent($0.path) }, names: sources.map(\.path), side: side)
        guard decoded.count > 0 else {
            decoded.pixels.deallocate()
            throw WorkbookError(
                "none of the \(sources.count) image files could be decoded (the first: "
                    + "\(decoded.skipped.first?.file ?? "?"): "
                    + "\(decoded.skipped.first?.reason ?? "?")).\n\(help)")
        }
        var written: URL?
        if let cacheFile {
            do {
                try writeCache(cacheFile, fingerprint: digest, side: side, count: decoded.count, pixels: decoded.pixels,
                               skipped: decoded.skipped, repaired: decoded.repaired)
                written = cacheFile
            } catch {
                FileHandle.standardError.write(
                    Data(
                        "warning: the decoded images could not be cached (\(error)); the next run decodes them again\n"
                            .utf8))
            }
        }
        return ImageFolder(side: side, count: decoded.count, pixels: decoded.pixels, skipped: decoded.skipped,
                           repaired: decoded.repaired, otherFiles: others, fromCache: false, cacheFile: written)
    }

    /// What happened to one file.
    enum Outcome { case used, repaired(String), skipped(String) }

    /// Decodes `files` in parallel into one buffer, then closes the gaps the skipped ones left.
    static func decode(_ files: [URL], names: [String], side: Int)
        -> (count: Int, pixels: UnsafeMutableBufferPointer<UInt8>, skipped: [Problem], repaired: [Problem]) {
        let n = 3 * side * side
        let pixels = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: files.count * n)
        let outcomes = UnsafeMutableBufferPointer<Outcome>.allocate(capacity: files.count)
        outcomes.initialize(repeating: .used)
        defer { outcomes.deinitialize(); outcomes.deallocate() }   // the reasons are Strings: release them too
        let progress = ProgressBar(title: "Decoding \(files.count) images", total: files.count)
        let block = 256
        for start in stride(from: 0, to: files.count, by: block) {
            let end = min(start + block, files.count)
            Parallel.forEach(pieces: end - start) { piece in
                let i = start + piece
                outcomes[i] = decodeOne(files[i], side: side, into: pixels.baseAddress! + i * n)
            }
            progress.update(completed: end)
        }
        var kept = 0
        var skipped: [Problem] = [], repaired: [Problem] = []
        for i in 0..<files.count {
            switch outcomes[i] {
            case .skipped(let reason): skipped.append(Problem(file: names[i], reason: reason)); continue
            case .repaired(let warning): repaired.append(Problem(file: names[i], reason: warning))
            case .used: break
            }
            if kept != i { (pixels.baseAddress! + kept * n).update(from: pixels.baseAddress! + i * n, count: n) }
            kept += 1
        }
        progress.finish(status: "\(kept) used, \(skipped.count) skipped")
        return (kept, pixels, skipped, repaired)
    }

    /// The smallest usable image: a shorter side below this would be blown up more than twice.
    public static let minimumSide = 32

    /// Decodes one file (JPEG or PNG, recognised by its first bytes, not its name), resizes and
    /// crops it, and stores it channel-first at `target`.
    static func decodeOne(_ file: URL, side: Int, into target: UnsafeMutablePointer<UInt8>) -> Outcome {
        guard let data = try? Data(contentsOf: file) else {
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: file.path) {
                return .skipped("a broken symbolic link (to \(target), which does not exist)")
            }
            return .skipped("cannot be read")
        }
        guard data.count >= 8 else { return .skipped("only \(data.count) bytes: not an image") }
        let image: Image
        var outcome = Outcome.used
        if data.starts(with: [0xFF, 0xD8]) {
            let (decoded, notes): (Image, JPEG.Notes)
            do { (decoded, notes) = try JPEG.decode(data) } catch { return .skipped("\(error)") }
            if notes.truncated { return .skipped("truncated JPEG (the file ends in the middle of the image)") }
            if let warning = notes.warning { outcome = .repaired(warning) }
            image = decoded
        } else if data.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
            do { image = try PNG.decode(data) } catch { return .skipped("\(error)") }
        } else {
            return .skipped("not an image (it starts with neither the JPEG nor the PNG signature)")
        }
        guard min(image.width, image.height) >= minimumSide else {
            return .skipped(
                "too small (\(image.width)x\(image.height); at least \(minimumSide) pixels on the shorter side)")
        }
        let square = image.resizedAndCropped(to: side)
        let plane = side * side
        square.pixels.withUnsafeBufferPointer { rgb in
            for p in 0..<plane { for c in 0..<3 { target[c * plane + p] = rgb[p * 3 + c] } }
        }
        return outcome
    }

    // MARK: The cache file

    /// The workbook's container (`Container`) with signature `GWIMG002`: a JSON header (the files'
    /// fingerprint, the side, the count, the skipped and repaired files), then the pixels.
    static let signature = "GWIMG002"
    static let version = 2

    struct CacheHeader: Codable {
        var version: Int
        var fingerprint: String
        var side: Int
        var count: Int
        var skipped: [Problem]
        var repaired: [Problem]
    }

    static func writeCache(
        _ url: URL, fingerprint: String, side: Int, count: Int, pixels: UnsafeMutableBufferPointer<UInt8>,
        skipped: [Problem], repaired: [Problem]
    ) throws {
        let header = CacheHeader(
            version: version, fingerprint: fingerprint, side: side, count: count, skipped: skipped, repaired: repaired)
        try Container.write(
            to: url, signature: signature, header: header,
            payload: [UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(pixels)[0..<(count * 3 * side * side)])],
            kind: .cache)
    }

    static func readCache(_ url: URL, fingerprint: String, side: Int, otherFiles: Int) throws -> ImageFolder {
        try Container.read(url, signature: signature, kind: "image cache", as: CacheHeader.self) { header, payload in
            guard header.version == version, header.fingerprint == fingerprint, header.side == side, header.count > 0
            else {
                throw WorkbookError("the image cache is for other files")
            }
            let bytes = header.count * 3 * side * side
            guard payload.count == bytes else {
                throw WorkbookError("the image cache holds \(payload.count) bytes of pixels, not \(bytes)")
            }
            let pixels = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes)
            UnsafeMutableRawBufferPointer(pixels).copyMemory(from: payload)
            return ImageFolder(
                side: side, count: header.count, pixels: pixels, skipped: header.skipped, repaired: header.repaired,
                otherFiles: otherFiles, fromCache: true, cacheFile: url)
        }
    }
}
