import Torch

/// torchvision's `Conv2dNormActivation`: conv, optional norm, optional ReLU, with the
/// children numbered 0, 1, 2 so checkpoint keys read `….0.weight`, `….1.running_mean`.
final class ConvNormActivation: Module, UnaryLayer {
    enum Norm { case none, batch, instance }

    let layers: [Module]
    override var keyOverrides: [String: String] { ["layers": ""] }

    init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, norm: Norm, relu: Bool = true,
         bias: Bool = true) throws {
        var layers: [Module] = [try Conv2d(inChannels, outChannels, kernel: (kernel, kernel), stride: (stride, stride),
                                           padding: ((kernel - 1) / 2, (kernel - 1) / 2), bias: bias)]
        switch norm {
        case .none: break
        case .batch: layers.append(try BatchNorm2d(outChannels))
        case .instance: layers.append(InstanceNorm2d())
        }
        if relu { layers.append(Lambda { try $0.relu() }) }
        self.layers = layers
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        try layers.reduce(x) { try ($1 as! any UnaryLayer)($0) }
    }
}
