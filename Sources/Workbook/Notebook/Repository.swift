import Foundation

/// The workbook's own folder, where the chapters' texts (`chapters/`), the programs' sources and
/// the reference runs (`output/reference/`) lie: the folder the program was started in when it
/// holds `chapters/` (as after `swift run` at the top of the checkout), else the checkout this
/// program was built from.
public struct Repository: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root.standardizedFileURL }

    public static var current: Repository {
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        if FileManager.default.fileExists(atPath: here.appendingPathComponent("chapters").path) {
            return Repository(root: here)
        }
        // This file is Sources/Workbook/Notebook/Repository.swift inside the checkout.
        let built = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return Repository(root: built)
    }

    public var chaptersFolder: URL { root.appendingPathComponent("chapters") }
    public var referenceFolder: URL { root.appendingPathComponent("output/reference") }

    /// Every text of the book, in order: the chapters, then the appendices (by file name).
    public func texts() throws -> [URL] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: chaptersFolder.path) } catch {
            throw WorkbookError(
                "cannot read the chapters' texts in \(chaptersFolder.path): \(error.localizedDescription)")
        }
        return names.filter { $0.hasSuffix(".md") }.sorted().map { chaptersFolder.appendingPathComponent($0) }
    }

    /// The runs a text shows: the reference folders its pictures come from, and the runs its marks
    /// name (`<!-- output: score-digits/ruler -->`), in the order the text first shows them
    /// (`chapter06-dcgan`, then `chapter06-dcgan-mnist`).
    public static func runs(shownIn text: String) -> [String] {
        var runs: [String] = []
        let pattern = #"!\[[^\]]*\]\((?:\.\./)?output/reference/([^/)\s]+)/|<!--\s*output:\s*([^/\s|>]+)/"#
        for match in matches(of: pattern, in: text) {
            let run = match[1].isEmpty ? match[2] : match[1]
            if !runs.contains(run) { runs.append(run) }
        }
        return runs
    }

    /// The text a run belongs to: the one that shows that run's reference pictures, else one that
    /// shows the pictures of another run of the same program (`gan-dynamics-grid` has no reference
    /// run; appendix C shows `gan-dynamics-ring`'s).
    public func text(forRun run: String, program: String? = nil) throws -> URL? {
        let shown = ((try? texts()) ?? []).map { url in
            (url, Self.runs(shownIn: (try? String(contentsOf: url, encoding: .utf8)) ?? ""))
        }
        if let exact = shown.first(where: { $0.1.contains(run) }) { return exact.0 }
        guard let program else { return nil }
        return shown.first { $0.1.contains { $0 == program || $0.hasPrefix(program + "-") } }?.0
    }
}

/// The path that leads from `folder` to `target`, as a relative link (`../chapter01-autoencoder/loss.png`).
public func relativePath(from folder: URL, to target: URL) -> String {
    let from = folder.standardizedFileURL.pathComponents, to = target.standardizedFileURL.pathComponents
    var shared = 0
    while shared < min(from.count, to.count) && from[shared] == to[shared] { shared += 1 }
    let parts = Array(repeating: "..", count: from.count - shared) + to[shared...]
    return parts.isEmpty ? "." : parts.joined(separator: "/")
}

/// Every match of a regular expression in `text`, each as its groups (0: the whole match; a group
/// that did not take part is "").
func matches(of pattern: String, in text: String) -> [[String]] {
    let expression = try! NSRegularExpression(pattern: pattern)
    let whole = NSRange(text.startIndex..., in: text)
    return expression.matches(in: text, range: whole).map { match in
        (0..<match.numberOfRanges).map { Range(match.range(at: $0), in: text).map { String(text[$0]) } ?? "" }
    }
}

/// `text` with every match of `pattern` replaced by what `replace` makes of its groups.
func replacingMatches(of pattern: String, in text: String, _ replace: ([String]) throws -> String) rethrows -> String {
    let expression = try! NSRegularExpression(pattern: pattern)
    var result = "", last = text.startIndex
    for match in expression.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
        guard let range = Range(match.range, in: text) else { continue }
        let groups = (0..<match.numberOfRanges).map {
            Range(match.range(at: $0), in: text).map { String(text[$0]) } ?? ""
        }
        result += text[last..<range.lowerBound] + (try replace(groups))
        last = range.upperBound
    }
    return result + text[last...]
}
