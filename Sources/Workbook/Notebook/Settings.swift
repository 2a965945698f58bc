import Foundation

/// A chapter's settings, declared once. The one list feeds the three places that need them: what
/// a checkpoint must match to be continued, the report's configuration table, and `metrics.json`
/// (which `compare` holds against the reference run's). The seed and `--limit` join every list.
public struct Settings {
    public struct Setting {
        public var name: String
        /// The value as a checkpoint must match it.
        public var value: String
        /// The value as the report shows it and `metrics.json` records it (a folder by its name, not
        /// its path on this machine, so that runs compare across machines).
        public var recorded: String
        /// Whether a run may change it and still continue a checkpoint (`epochs`, `zoom`).
        public var changeable: Bool
    }

    public private(set) var entries: [Setting] = []

    /// The settings in order. `changeable` names those a resumed run may change; the seed and the
    /// limit come from the shared options.
    public init(_ entries: KeyValuePairs<String, Any>, changeable: Set<String> = ["epochs", "zoom"], run: RunOptions) {
        for (name, value) in entries { add(name, "\(value)", changeable: changeable.contains(name)) }
        add("seed", "\(run.seed)")
        add("limit", run.limit.map(String.init) ?? "none")
    }

    /// Adds (or replaces) a setting; `recorded` defaults to the value itself.
    public mutating func add(_ name: String, _ value: String, recorded: String? = nil, changeable: Bool = false) {
        entries.removeAll { $0.name == name }
        entries.append(Setting(name: name, value: value, recorded: recorded ?? value, changeable: changeable))
    }

    /// The image folders a run trains on (`images`): a checkpoint matches their paths, comparisons
    /// their names (a reference run was made on another machine).
    public mutating func add(folders: [URL]) {
        add(
            "images", folders.map(\.standardizedFileURL.path).joined(separator: ", "),
            recorded: folders.map(\.lastPathComponent).joined(separator: ", "))
    }

    public subscript(name: String) -> String? { entries.first { $0.name == name }?.value }

    /// What a checkpoint must match to be continued by this run.
    public var checkpoint: [String: String] {
        Dictionary(uniqueKeysWithValues: entries.filter { !$0.changeable }.map { ($0.name, $0.value) })
    }

    /// Everything that decides the results, as `metrics.json` records it.
    public var recorded: [String: String] { Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.recorded) }) }
}
