import Foundation

/// Code a chapter's text quotes from its program, never copies: the text names a region of a
/// source file,
///
///     <!-- code: Sources/chapter03-gan/main.swift#the D step -->
///     ```swift
///     ... the text's own copy, which GitHub shows ...
///     ```
///
/// and the source marks it with `// region: the D step` and `// endregion` lines. The weave puts
/// the region's current lines in place of the copy (without the markers, indented as the copy's
/// fence); a test requires every copy to equal its region, so the text can never drift from the code.
public struct CodeRegion: Equatable, Sendable {
    /// The file, relative to the repository (`Sources/chapter03-gan/main.swift`), and the region's name.
    public var file: String
    public var name: String

    /// `Sources/chapter03-gan/main.swift#the D step`, as a mark names it.
    public init?(reference: String) {
        let parts = reference.split(separator: "#", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        file = parts[0]
        name = parts[1]
    }

    public var reference: String { "\(file)#\(name)" }

    /// The region's lines in the repository's source, with their common indentation removed.
    public func lines(in repository: Repository) throws -> [String] {
        let url = repository.root.appendingPathComponent(file)
        guard let source = try? String(contentsOf: url, encoding: .utf8) else {
            throw WorkbookError("the code \(reference) cannot be quoted: \(file) is not in \(repository.root.path)")
        }
        return try Self.lines(of: name, in: source, file: file)
    }

    /// The lines between `// region: name` and the next `// endregion`, their shared indentation removed.
    static func lines(of name: String, in source: String, file: String) throws -> [String] {
        let all = source.components(separatedBy: "\n")
        guard let start = all.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "// region: \(name)" })
        else {
            throw WorkbookError("\(file) has no region \"\(name)\" (a line `// region: \(name)` is missing)")
        }
        guard
            let end = all[(start + 1)...].firstIndex(where: {
                $0.trimmingCharacters(in: .whitespaces) == "// endregion"
            })
        else {
            throw WorkbookError("the region \"\(name)\" of \(file) has no `// endregion` line")
        }
        let body = Array(all[(start + 1)..<end])
        let indent = body.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .map { $0.prefix { $0 == " " }.count }.min() ?? 0
        return body.map { $0.count >= indent ? String($0.dropFirst(indent)) : $0.trimmingCharacters(in: .whitespaces) }
    }

    /// Every quote in a text: the region it names and the lines of the text's own copy.
    public static func quotes(in text: String) -> [(region: CodeRegion, copy: [String])] {
        var quotes: [(region: CodeRegion, copy: [String])] = []
        let lines = text.components(separatedBy: "\n")
        var index = 0
        while index < lines.count {
            defer { index += 1 }
            guard let region = Mark.code(lines[index]) else { continue }
            guard
                let open = lines[(index + 1)...].firstIndex(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                ),
                Fence(lines[open]) != nil,
                let close = lines[(open + 1)...].firstIndex(where: { Fence($0) != nil })
            else {
                quotes.append((region, []))
                continue
            }
            let indent = lines[open].prefix { $0 == " " }.count
            quotes.append(
                (
                    region,
                    lines[(open + 1)..<close].map { String($0.dropFirst(min(indent, $0.prefix { $0 == " " }.count))) }
                ))
            index = close
        }
        return quotes
    }
}

public extension CodeRegion {
    /// `text` with every quote's copy replaced by its region's current code: what an author runs
    /// (`swift run book --quotes`) after changing a quoted region, so that GitHub shows it too.
    static func refreshingQuotes(in text: String, repository: Repository) throws -> String {
        var out: [String] = [], pending: [String]?, fence: Fence?
        for line in text.components(separatedBy: "\n") {
            if let open = fence {
                guard Fence(line) != nil else {
                    if pending == nil { out.append(line) }
                    continue
                }
                out += (pending ?? []).map { $0.isEmpty ? "" : String(repeating: " ", count: open.indent) + $0 }
                (fence, pending) = (nil, nil)
            } else if let region = Mark.code(line) {
                pending = try region.lines(in: repository)
            } else if let open = Fence(line) {
                fence = open
            }
            out.append(line)
        }
        return out.joined(separator: "\n")
    }
}

/// A line that opens or closes a fenced code block (```` ``` ```` or `~~~`; indented inside a list, too).
struct Fence {
    let indent: Int
    init?(_ line: String) {
        let spaces = line.prefix { $0 == " " }.count
        let rest = line.dropFirst(spaces)
        guard rest.hasPrefix("```") || rest.hasPrefix("~~~") else { return nil }
        indent = spaces
    }
}

/// The marks a chapter's text holds for the weave, each an HTML comment on a line of its own, so
/// that a markdown viewer that knows nothing of them shows nothing.
enum Mark {
    /// `<!-- code: FILE#REGION -->`: the fenced block after it is the region's code.
    static func code(_ line: String) -> CodeRegion? {
        comment(line, "code").flatMap { CodeRegion(reference: $0) }
    }

    /// `<!-- output: NAME -->` or `<!-- output: NAME | what to say when the run has not made it -->`.
    static func output(_ line: String) -> (name: String, missing: String?)? {
        guard let body = comment(line, "output") else { return nil }
        let parts = body.split(separator: "|", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        return (parts[0], parts.count > 1 ? parts[1] : nil)
    }

    /// The text of `<!-- KIND: TEXT -->` when the whole line is such a comment.
    static func comment(_ line: String, _ kind: String) -> String? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("<!-- \(kind):"), trimmed.hasSuffix("-->") else { return nil }
        return String(trimmed.dropFirst("<!-- \(kind):".count).dropLast(3)).trimmingCharacters(in: .whitespaces)
    }
}
