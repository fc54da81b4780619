/// A small SVG builder: shapes and text with escaped content and compact coordinates.
struct SVGDocument {
    /// Width in pixels.
    let width: Double
    /// Height in pixels.
    let height: Double
    private var elements: [String] = []

    /// The font stack every text uses; DejaVu Sans is what Debian renders with.
    static let fontFamily = "DejaVu Sans, Verdana, Arial, sans-serif"

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// A rectangle; `title` becomes a hover tooltip.
    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                       cssClass: String? = nil, stroke: String? = nil, title: String? = nil) {
        var attributes = "x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(max(0, width)))\" height=\"\(n(max(0, height)))\" fill=\"\(fill)\""
        if let cssClass { attributes += " class=\"\(cssClass)\"" }
        if let stroke { attributes += " stroke=\"\(stroke)\" stroke-width=\"1\"" }
        if let title {
            elements.append("<rect \(attributes)><title>\(Self.escaped(title))</title></rect>")
        } else {
            elements.append("<rect \(attributes)/>")
        }
    }

    /// A straight line.
    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1,
                       dash: String? = nil) {
        var attributes = "x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(n(width))\""
        if let dash { attributes += " stroke-dasharray=\"\(dash)\"" }
        elements.append("<line \(attributes)/>")
    }

    /// A circle.
    mutating func circle(x: Double, y: Double, radius: Double, fill: String, stroke: String? = nil) {
        var attributes = "cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"\(n(radius))\" fill=\"\(fill)\""
        if let stroke { attributes += " stroke=\"\(stroke)\" stroke-width=\"1.5\"" }
        elements.append("<circle \(attributes)/>")
    }

    /// An open polyline through `points`.
    mutating func polyline(_ points: [(x: Double, y: Double)], stroke: String, width: Double, cssClass: String? = nil) {
        let coordinates = points.map { "\(n($0.x)),\(n($0.y))" }.joined(separator: " ")
        var attributes = "points=\"\(coordinates)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(n(width))\" stroke-linejoin=\"round\""
        if let cssClass { attributes += " class=\"\(cssClass)\"" }
        elements.append("<polyline \(attributes)/>")
    }

    /// Text anchored at (x, y) on its baseline; `rotation` in degrees about the anchor; `halo` outlines it in white.
    mutating func text(_ content: String, x: Double, y: Double, size: Double, anchor: TextAnchor = .start,
                       fill: String = "#222", bold: Bool = false, italic: Bool = false, rotation: Double? = nil,
                       halo: Bool = false) {
        var attributes = "x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\" fill=\"\(fill)\""
        if anchor != .start { attributes += " text-anchor=\"\(anchor.rawValue)\"" }
        if bold { attributes += " font-weight=\"bold\"" }
        if italic { attributes += " font-style=\"italic\"" }
        // A white outline under the glyphs keeps text legible where it crosses a line.
        if halo { attributes += " stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\" stroke-linejoin=\"round\"" }
        if let rotation { attributes += " transform=\"rotate(\(n(rotation)) \(n(x)) \(n(y)))\"" }
        elements.append("<text \(attributes)>\(Self.escaped(content))</text>")
    }

    /// The finished document.
    func render() -> String {
        var svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" "
        svg += "viewBox=\"0 0 \(n(width)) \(n(height))\" font-family=\"\(Self.fontFamily)\">\n"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(n(width))\" height=\"\(n(height))\" fill=\"#ffffff\"/>\n"
        for element in elements {
            svg += element
            svg += "\n"
        }
        svg += "</svg>\n"
        return svg
    }

    /// Where a text's anchor point sits along it.
    enum TextAnchor: String {
        /// Text starts at x.
        case start
        /// Text is centred on x.
        case middle
        /// Text ends at x.
        case end
    }

    /// Text safe inside an element or an attribute.
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A coordinate rounded to 0.01 px, without a trailing ".0".
    private func n(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int(rounded)) }
        return "\(rounded)"
    }

    /// Roughly how wide `text` renders at `size` in DejaVu Sans, for layout.
    static func estimatedWidth(_ text: String, size: Double) -> Double {
        Double(text.count) * size * 0.55
    }
}

/// The colours and fixed-precision labels the charts share.
enum ChartStyle {
    /// Okabe–Ito colours, distinguishable with colour-blindness.
    static func colour(for segment: Segment?) -> String {
        switch segment {
        case .head: return "#0072B2"
        case .middle: return "#E69F00"
        case .tail: return "#009E73"
        case nil: return "#8C8C8C"
        }
    }

    /// A value in [0, 1] with `digits` decimals, e.g. 0.734.
    static func fixed(_ value: Double, digits: Int) -> String {
        let scale = pow10(digits)
        let scaled = Int((value * scale).rounded())
        let whole = scaled / Int(scale)
        let fraction = String(abs(scaled) % Int(scale))
        let sign = value < 0 && scaled != 0 ? "-" : ""
        return digits == 0 ? "\(sign)\(abs(whole))" : "\(sign)\(abs(whole)).\(String(repeating: "0", count: digits - fraction.count))\(fraction)"
    }

    /// An integer with thousands separators, e.g. 6,096.
    static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }

    private static func pow10(_ digits: Int) -> Double {
        (0..<digits).reduce(1.0) { value, _ in value * 10 }
    }
}
