import CHDF5
import Foundation

/// Writes the layout ViMoCLIP's own training code reads (its `HDF5VideoDataset`): one HDF5 file, a
/// group per video named by its id, holding `embeddings` (T, D) float32 and `labels` (K,) float32.
/// Plain contiguous datasets, no filters, as that code writes them. The file is written under a
/// temporary name and renamed into place by `commit()`, so a failed export leaves no half file.
public final class GroupPerItemFile {
    /// Where `commit()` puts the file.
    public let url: URL
    /// The file while it is written.
    public let temporaryURL: URL
    /// Items added so far.
    public private(set) var itemCount = 0
    private var file: HDF5File?
    private var added: Set<String> = []

    /// Creates the temporary file beside `url` (replacing one a failed export left).
    public init(url: URL) throws {
        self.url = url
        temporaryURL = url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".tmp")
        let path = temporaryURL.path
        try SystemCalls.unlinkIfPresent(path)
        file = try HDF5.serialized { try HDF5File.create(path: path) }
    }

    deinit {
        if let file {
            HDF5.serialized { _ = try? file.close() }
            try? SystemCalls.unlinkIfPresent(temporaryURL.path)
        }
    }

    /// Adds the group `item` with its `rows` × `dim` embeddings and, when given, its labels.
    public func add(item: String, embeddings: [Float], dim: Int, labels: [Float]?) throws {
        guard let file else { throw StoreError.writerNotOpen(path: temporaryURL.path, state: "already committed") }
        guard !item.isEmpty, !item.contains("/"), item != ".", item != ".." else {
            throw StoreError.invalidText(path: temporaryURL.path, item: item, detail: "an HDF5 group name cannot be empty or hold '/'")
        }
        guard dim > 0, embeddings.count % dim == 0 else {
            throw StoreError.invalidShape(path: temporaryURL.path, detail: "item '\(item)': \(embeddings.count) values are not rows of \(dim)")
        }
        guard added.insert(item).inserted else {
            throw StoreError.invalidText(path: temporaryURL.path, item: item, detail: "the item is already in the file")
        }
        let path = temporaryURL.path
        try HDF5.serialized {
            let group = try HDF5.check(H5Gcreate2(file.id, item, vimo_h5p_default(), vimo_h5p_default(), vimo_h5p_default()),
                                       path: path, "H5Gcreate(\(item))")
            H5Gclose(group)
            try file.writeNumbers("\(item)/embeddings", embeddings, dims: [embeddings.count / dim, dim],
                                  fileType: vimo_h5t_ieee_f32le(), memoryType: vimo_h5t_native_float(), checksummed: false)
            if let labels {
                try file.writeNumbers("\(item)/labels", labels, dims: [labels.count],
                                      fileType: vimo_h5t_ieee_f32le(), memoryType: vimo_h5t_native_float(), checksummed: false)
            }
        }
        itemCount += 1
    }

    /// Closes the file, flushes it to disk and renames it to `url`.
    public func commit() throws {
        guard let file else { return }
        self.file = nil
        do {
            try HDF5.serialized { try file.close() }
            try SystemCalls.fsync(path: temporaryURL.path)
            try SystemCalls.rename(temporaryURL.path, to: url.path)
        } catch {
            try? SystemCalls.unlinkIfPresent(temporaryURL.path)
            throw error
        }
    }
}
