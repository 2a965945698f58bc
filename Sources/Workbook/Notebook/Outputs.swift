import Foundation

/// One named output of a run, as markdown: a table, a chart, a few numbers, a picture that stands
/// in for another. The chapter's text places it with `<!-- output: name -->`; an output the text
/// does not place is appended to the page under "This run", with its title as a heading.
public struct Output: Codable, Equatable, Sendable {
    public var name: String
    public var title: String
    public var markdown: String

    public init(name: String, title: String, markdown: String) {
        self.name = name
        self.title = title
        self.markdown = markdown
    }
}

/// What a run has produced so far, as the weave reads it: its named outputs and where it stands.
/// A run saves it beside its pictures as `outputs.json`, so that the book (`swift run book`) can
/// weave the chapter again later, from its current text, without running anything.
public struct RunOutputs: Codable, Equatable {
    public static let fileName = "outputs.json"

    /// The run's name: its output folder's and its reference run's (`chapter06-dcgan-mnist`).
    public var run: String
    /// The status line (running, finished, stopped) as the page shows it under the title.
    public var status: String
    public var finished: Bool
    /// When the outputs were written, and the command that made them.
    public var written: Date
    public var command: String
    public var outputs: [Output]

    public init(run: String, status: String, finished: Bool, command: String, outputs: [Output], written: Date = Date())
    {
        self.run = run
        self.status = status
        self.finished = finished
        self.command = command
        self.outputs = outputs
        self.written = written
    }

    public subscript(name: String) -> Output? { outputs.first { $0.name == name } }

    /// The outputs of the run in `folder`; nil when it has none (a run from before the weave, or none at all).
    public init?(folder: URL) {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent(Self.fileName)),
              let read = try? Self.decoder.decode(RunOutputs.self, from: data) else { return nil }
        self = read
    }

    public func write(to folder: URL) throws {
        let file = folder.appendingPathComponent(Self.fileName)
        try Disk.write(try JSONFormat.encoder(pretty: true).encode(self), to: file, kind: .report)
    }

    static var decoder: JSONDecoder { JSONFormat.decoder() }
}
