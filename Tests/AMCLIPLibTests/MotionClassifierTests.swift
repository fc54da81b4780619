import AMCLIP
import Foundation
import Models
import Torch
import XCTest

/// The classifier around X-CLIP: the shapes it takes and gives, the affine head's start, how training groups its
/// parameters, and the loss and probabilities against values worked by hand.
final class MotionClassifierTests: XCTestCase {
    func classifier(head: MotionClassifier.Head, prior: [Double]? = nil) throws -> MotionClassifier {
        Torch.seed(2)
        let config = MotionClassifier.Config(xclip: ModelFrames.config(.tiny, modality: .rgbFlow, indices: 2), classes: 3, head: head,
                                             normalization: .imageNet)
        return try MotionClassifier(config, xclip: XCLIP(config.xclip), prior: prior)
    }

    func testLogitsPerClassifierAndTheAffineHeadsStart() throws {
        let model = try classifier(head: .affine, prior: [0.5, 0.1, 0.9])
        model.eval()
        let bias = try XCTUnwrap(model.stateDict()["head.bias"]).toArray(Float.self)
        XCTAssertEqual(bias[0], 0, accuracy: 1e-6)
        XCTAssertEqual(Double(bias[1]), Foundation.log(0.1 / 0.9), accuracy: 1e-5, "the logit of the class frequency")
        XCTAssertEqual(Double(bias[2]), Foundation.log(0.9 / 0.1), accuracy: 1e-5)
        XCTAssertEqual(try XCTUnwrap(model.stateDict()["head.scale"]).toArray(Float.self), [10, 10, 10])
        XCTAssertNotNil(model.stateDict()["mit.positional_embedding"], "X-CLIP's names stay at the top level")

        let ids = try Tensor((0..<3).flatMap { k in [49406, 320 + Int64(k), 49407] + [Int64](repeating: 0, count: 74) }, shape: [3, 77])
        let text = try model.textEmbeddings(ids: ids)
        XCTAssertEqual(model.xclip.textPasses, 1)
        let clips = try Tensor.randn([2, 3, 4, 3, 32, 32])  // 2 videos, 3 classifiers, 2P = 4 images
        let logits = try Torch.withoutGrad { try model.logits(clips, textEmbeddings: text) }
        XCTAssertEqual(logits.shape, [2, 3, 3])
        // z = s·cos + b: with s = 10 every logit lies within 10 of its class's bias.
        let z = try logits.toArray(Float.self)
        for (i, value) in z.enumerated() { XCTAssertLessThanOrEqual(abs(value - bias[i % 3]), 10.0001) }
        // Classifier m of video b is the model on that clip alone.
        let alone = try Torch.withoutGrad { try model.logits(clips.slice(0, 1, 2).slice(1, 2, 3).contiguous(), textEmbeddings: text) }
        for k in 0..<3 { XCTAssertEqual(try alone.toArray(Float.self)[k], z[(1 * 3 + 2) * 3 + k], accuracy: 1e-4) }
        XCTAssertThrowsError(try model.logits(clips.slice(2, 0, 2).contiguous(), textEmbeddings: text), "2 images where the MIT has 4")
    }

    func testLossAndProbabilitiesAgainstHandWorkedValues() throws {
        // Logits (1 video, 2 classifiers, 2 classes) and labels (1, 2).
        let logits = try Tensor([0, 2, -1, 1] as [Float], shape: [1, 2, 2]), labels = try Tensor([1, 0] as [Float], shape: [1, 2])
        func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
        let probabilities = try MotionClassifier.probabilities(logits).toArray(Float.self)
        XCTAssertEqual(Double(probabilities[0]), (sigmoid(0) + sigmoid(-1)) / 2, accuracy: 1e-6)
        XCTAssertEqual(Double(probabilities[1]), (sigmoid(2) + sigmoid(1)) / 2, accuracy: 1e-6)
        let bce = -(Foundation.log(sigmoid(0)) + Foundation.log(1 - sigmoid(2)) + Foundation.log(sigmoid(-1)) + Foundation.log(1 - sigmoid(1))) / 4
        XCTAssertEqual(try MotionClassifier.loss(logits, labels: labels).item(), bce, accuracy: 1e-6)
    }

    func testTrainingGroupsFreezeTheTextTowerAndGiveTheNewModulesTheirRate() throws {
        let model = try classifier(head: .affine)
        let groups = model.trainingGroups(newScale: 10, weightDecay: 0.001)
        XCTAssertEqual(groups.map(\.lrScale), [1, 1, 10, 10])
        XCTAssertEqual(groups.map(\.weightDecay), [0.001, 0, 0.001, 0])
        let named = Dictionary(uniqueKeysWithValues: model.namedTensors().map { (ObjectIdentifier($0.tensor), $0.name) })
        let members = groups.map { Set($0.parameters.compactMap { named[ObjectIdentifier($0)] }) }
        let all = members.reduce(Set<String>()) { $0.union($1) }
        XCTAssertEqual(all.count, groups.reduce(0) { $0 + $1.parameters.count }, "each parameter in one group")
        XCTAssertTrue(members[0].contains("visual.conv1.weight") && members[0].contains("visual.proj"), "\(members[0].sorted().prefix(5))")
        XCTAssertTrue(members[1].contains("visual.class_embedding") && members[1].contains("visual.positional_embedding"))
        XCTAssertTrue(members[2].contains("mit.resblocks.0.attn.in_proj_weight") && members[2].contains("prompts_visual_proj"))
        XCTAssertTrue(members[3].contains("head.scale") && members[3].contains("head.bias") && members[3].contains("mit.positional_embedding"))
        XCTAssertTrue(all.allSatisfy { $0.hasPrefix("visual.") || $0.hasPrefix("mit.") || $0.hasPrefix("prompts_") || $0.hasPrefix("head.") },
                      "nothing of the text tower: \(all.filter { !$0.hasPrefix("visual.") }.sorted().prefix(8))")
        XCTAssertTrue(all.contains { $0.contains(".message_") }, "the message modules train at the new rate")
        XCTAssertTrue(members[0].isDisjoint(with: all.filter { $0.contains(".message_") }))
        for (name, tensor) in model.namedTensors() where name.hasPrefix("token_embedding") || name == "logit_scale" || name.hasPrefix("ln_final") {
            XCTAssertFalse(tensor.requiresGrad, "\(name) is frozen")
        }
    }
}
