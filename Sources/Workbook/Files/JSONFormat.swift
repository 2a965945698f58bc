import Foundation

/// The one way the workbook writes and reads JSON (checkpoints' training history, `metrics.json`,
/// `outputs.json`). A number that is not defined (a ratio to a variety of 0, a loss that became
/// NaN) is written as the word "undefined", and an infinite one as "infinity": JSON has no such
/// numbers, and a run must never fail because one of its numbers could not be written.
public enum JSONFormat {
    /// `pretty`: indented, keys sorted, slashes as they are (for files a reader opens);
    /// `escapingSlashes`: slashes written `\/` (as `metrics.json` has always written them, so that a finished run's file
    /// stays byte for byte what it was).
    public static func encoder(pretty: Bool = false, escapingSlashes: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty
            ? (escapingSlashes
                ? [.prettyPrinted, .sortedKeys] : [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) : []
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "infinity", negativeInfinity: "-infinity", nan: "undefined")
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "infinity", negativeInfinity: "-infinity", nan: "undefined")
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
