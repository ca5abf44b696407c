import Foundation

/// A baseline or progressive JPEG to place in a `PDFDocument`: the file goes into the PDF as it is
/// (`DCTDecode`), so only its size and colour components are read from the frame header.
public struct PDFImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// 1 (grey), 3 (RGB) or 4 (CMYK).
    public let components: Int
    let data: [UInt8]

    /// Nil when `jpeg` is not a JPEG whose frame header can be read.
    public init?(jpeg: Data) {
        let bytes = [UInt8](jpeg)
        guard bytes.count > 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var index = 2
        while index + 9 < bytes.count {
            guard bytes[index] == 0xFF else { return nil }
            let marker = bytes[index + 1]
            if marker == 0xFF {
                index += 1
                continue
            }
            let length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            guard length >= 2 else { return nil }
            // SOF0…SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame's size.
            if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) {
                let height = Int(bytes[index + 5]) << 8 | Int(bytes[index + 6])
                let width = Int(bytes[index + 7]) << 8 | Int(bytes[index + 8])
                let components = Int(bytes[index + 9])
                guard width > 0, height > 0, [1, 3, 4].contains(components) else { return nil }
                self.width = width
                self.height = height
                self.components = components
                data = bytes
                return
            }
            index += 2 + length
        }
        return nil
    }

    var colorSpace: String {
        switch components {
        case 1: "/DeviceGray"
        case 4: "/DeviceCMYK /Decode [1 0 1 0 1 0 1 0]"
        default: "/DeviceRGB"
        }
    }
}
