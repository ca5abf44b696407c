import Foundation
import PortalDomain

/// Checks the values a person typed on «Показания» (RD-2, RD-3): a meter is sent for all its channels or not
/// at all, only where the object and the meter are «Ожидание», only when something changed, and never below
/// the previous reading unless the rollover is confirmed.
struct ReadingsSubmission: Sendable {
    struct Value: Sendable, Equatable {
        let channelID: String
        let meterID: String
        let thousandths: Int64
        let rollover: Bool
    }

    /// Values to store.
    var accepted: [Value] = []
    /// Messages next to a channel's input.
    var errors: [String: String] = [:]
    /// Messages for a whole meter.
    var meterErrors: [String: String] = [:]

    static let closedMessage = "Прием показаний по этому прибору учета сейчас закрыт"

    static func check(_ data: ReadingsData, typed: [String: String], rollover: Set<String>) -> ReadingsSubmission {
        var result = ReadingsSubmission()
        for object in data.objects {
            for meter in object.meters {
                let texts = Dictionary(uniqueKeysWithValues: meter.channels.map { ($0.id, typed[$0.id] ?? "") })
                guard texts.values.contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
                    continue
                }
                guard object.status == .waiting, meter.status == .waiting else {
                    result.meterErrors[meter.id] = closedMessage
                    continue
                }
                var values: [String: Int64] = [:]
                var failed = false
                for channelID in MeterReadingSet.missing(typed: texts) {
                    result.errors[channelID] = RegisterReading.Problem.empty.message
                    failed = true
                }
                for channel in meter.channels where result.errors[channel.id] == nil {
                    switch RegisterReading.parse(texts[channel.id] ?? "", digits: meter.digits) {
                    case .failure(let problem):
                        result.errors[channel.id] = problem.message
                        failed = true
                    case .success(let value):
                        values[channel.id] = value
                        if let previous = channel.previous,
                            case .failure(let problem) = RegisterReading.consumption(
                                previous: previous, current: value, ratio: meter.ratio, digits: meter.digits,
                                rollover: rollover.contains(meter.id))
                        {
                            result.errors[channel.id] = problem.message
                            failed = true
                        }
                    }
                }
                guard !failed else { continue }
                // Only meters with new values are sent.
                let unchanged = meter.channels.allSatisfy { $0.submitted != nil && $0.submitted == values[$0.id] }
                if unchanged { continue }
                for channel in meter.channels {
                    let value = values[channel.id] ?? 0
                    result.accepted.append(
                        Value(
                            channelID: channel.id, meterID: meter.id, thousandths: value,
                            rollover: (channel.previous.map { value < $0 } ?? false) && rollover.contains(meter.id)))
                }
            }
        }
        return result
    }

    var hasErrors: Bool { !errors.isEmpty || !meterErrors.isEmpty }
}

/// Field names on the page: billing's ids may hold any character, so they travel hex-encoded.
enum ReadingFields {
    static func value(_ channelID: String) -> String { "v_" + hex(channelID) }
    static func rollover(_ meterID: String) -> String { rollover(hex: hex(meterID)) }
    static func rollover(hex meterHex: String) -> String { "o_" + meterHex }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func hex(_ text: String) -> String {
        let digits = hexDigits
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 2)
        for byte in text.utf8 {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func unhex(_ text: String) -> String? {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2, limitedBy: text.endIndex) ?? text.endIndex
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return String(bytes: bytes, encoding: .utf8)
    }

    /// Channel id → typed text, and the meters whose rollover was confirmed, from the submitted form.
    static func decode(_ form: [String: String]) -> (typed: [String: String], rollover: Set<String>) {
        var typed: [String: String] = [:]
        var rollover: Set<String> = []
        for (key, value) in form {
            if key.hasPrefix("v_"), let id = unhex(String(key.dropFirst(2))) { typed[id] = String(value.prefix(40)) }
            if key.hasPrefix("o_"), let id = unhex(String(key.dropFirst(2))) { rollover.insert(id) }
        }
        return (typed, rollover)
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
