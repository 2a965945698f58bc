import Foundation

/// The executed notebook: a markdown file that records what a run did and what it drew.
public final class Report {
    public private(set) var markdown: String

    public init(title: String) { markdown = "# \(title)\n" }

    public func heading(_ text: String, level: Int = 2) {
        markdown += "\n" + String(repeating: "#", count: level) + " \(text)\n"
    }

    public func paragraph(_ text: String) { markdown += "\n\(text)\n" }

    public func code(_ text: String, language: String = "") { markdown += "\n```\(language)\n\(text)\n```\n" }

    public func bullets(_ items: [String]) { markdown += "\n" + items.map { "- \($0)\n" }.joined() }

    public func table(_ headers: [String], _ rows: [[String]]) {
        func row(_ cells: [String]) -> String {
            "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
        }
        markdown += "\n" + row(headers) + row(headers.map { _ in "---" }) + rows.map(row).joined()
    }

    /// An image, by its path relative to the report.
    public func image(_ caption: String, _ path: String) { markdown += "\n![\(caption)](\(path))\n" }

    public func write(to url: URL) throws {
        do { try markdown.write(to: url, atomically: true, encoding: .utf8) } catch {
            throw WorkbookError("cannot write the report \(url.path): \(error.localizedDescription)")
        }
    }
}
