import Foundation
import XCTest
@testable import Torch

/// Reading TorchScript class declarations (the code/ entries) that decide which attributes are state_dict entries.
final class ScriptClassDeclarationTests: XCTestCase {
    func testParametersBuffersAndMangledModules() {
        // Shaped like the code PyTorch writes for a traced CLIP (class names mangled, forward1 for traced graphs).
        let source = """
            class Multimodal(Module):
              __parameters__ = ["positional_embedding", "text_projection", "logit_scale", ]
              __buffers__ = ["input_resolution", "context_length", ]
              positional_embedding : Tensor
              attn_mask : Tensor
              def forward1(self: __torch__.clip.___torch_mangle_7.Multimodal,
                x: Tensor) -> Tensor:
                __parameters__ = ["not", "this", ]
                return x
            class QuickGELU(Module):
              __parameters__ = []
              __buffers__ = []
              training : bool
            def helper(x: Tensor) -> Tensor:
              return x
            """
        var classes: [String: ScriptClassDeclaration] = [:]
        ScriptClassDeclarations.parse(source, module: "__torch__.clip.___torch_mangle_7", into: &classes)
        let root = classes["__torch__.clip.___torch_mangle_7.Multimodal"]
        XCTAssertEqual(root?.parameters, ["positional_embedding", "text_projection", "logit_scale"], "not from method bodies")
        XCTAssertEqual(root?.buffers, ["input_resolution", "context_length"])
        XCTAssertEqual(root?.isState("context_length"), true)
        XCTAssertEqual(root?.isState("attn_mask"), false)
        XCTAssertEqual(classes["__torch__.clip.___torch_mangle_7.QuickGELU"]?.isModule, true)
        XCTAssertNil(classes["__torch__.clip.___torch_mangle_7.helper"])
    }

    func testArchivesWithoutBufferListsTreatOtherTensorAttributesAsBuffers() {
        var classes: [String: ScriptClassDeclaration] = [:]
        ScriptClassDeclarations.parse("class BN(Module):\n  __parameters__ = [\"weight\", ]\n  running_mean : Tensor\n",
                                      module: "__torch__.old", into: &classes)
        XCTAssertEqual(classes["__torch__.old.BN"]?.isState("running_mean"), true)
        XCTAssertEqual(classes["__torch__.old.BN"]?.isState("weight"), true)
    }
}
