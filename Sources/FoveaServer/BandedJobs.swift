import FoveaKernels
import FoveaProtocol
import FoveaSandbox

/// A job made in bands while its image decodes (``ImagePlan/bands(source:maximumCount:)``):
/// each band goes to a worker as soon as the source rows it reads are decoded, and the
/// bands' JPEG files are joined here into the one file the whole job makes, byte for byte
/// (``JPEGRowRestarts``), so the result and its handle do not depend on how it was made.
///
/// Why: a tile of an 8K photo reads a quarter of its rows, so without bands the first tile
/// waits for a quarter of the decode while the other core has nothing to do; its first band
/// waits for a sixteenth.
extension ToolService {
    func execute(_ bands: [ImagePlan], of whole: ImagePlan, image: ImageStore.Pin, info: ImageInfo,
                 holder: ConnectionID?, completion: @escaping @Sendable (Result<JobOutput, CallFailure>) -> Void) {
        bandedJobs.add(1, ordering: .relaxed)
        let handle = image.handle
        let shape = whole.outputShape(from: ImageShape(info.layout))
        let gather = OrderedGather<SealedMemfd, CallFailure>(count: bands.count) { [self] outcomes in
            do {
                let files = try outcomes.map { try $0.get() }
                let joined = try Self.join(files, bands: bands.map { $0.band! }, height: shape.height)
                let layout = PixelLayout(width: shape.width, height: shape.height, bands: shape.bands)
                completion(Result { () throws(ToolError) in
                    try storeResult(joined, layout: layout, format: .jpeg, holder: holder)
                }.mapError(CallFailure.tool))
            } catch let failure as CallFailure {
                completion(.failure(failure))
            } catch {
                completion(.failure(.tool(ToolError("the bands of a result could not be joined (\(error))"))))
            }
        }
        for (index, band) in bands.enumerated() {
            store.rows(band.sourceRows(height: info.layout.height), of: image) { [self] pixels in
                switch pixels {
                case .success(let pixels):
                    submit(band, on: pixels, inputKey: handle, holder: holder) { outcome in
                        gather.finish(index, outcome.flatMap(Self.bandFile))
                    }
                case .failure(let failure):
                    gather.finish(index, .failure(Self.callFailure(failure, handle: handle)))
                }
            }
        }
    }

    /// The JPEG file a worker made of one band.
    private static func bandFile(_ response: WorkerResponse) -> Result<SealedMemfd, CallFailure> {
        switch response.reply {
        case .failed(_, _, let message): return .failure(.tool(ToolError(message)))
        case .produced: return .success(response.memfds[0])
        default: return .failure(.tool(ToolError("the worker answered a band of a result with an unexpected reply")))
        }
    }

    /// The bands' files joined into one sealed memfd.
    static func join(_ files: [SealedMemfd], bands: [Range<Int>], height: Int) throws -> SealedMemfd {
        let mappings = try files.map { try $0.mapReadOnly() }
        return try withExtendedLifetime(mappings) {  // unmapped when released
            let bytes = mappings.map(\.bytes)
            guard let pieces = JPEGRowRestarts.pieces(bytes) else {
                throw BandJoinError("a worker's band is not a JPEG with one scan")
            }
            let firstBlockRows = bands.map { $0.lowerBound / JPEGRowRestarts.mcuRows }
            return try SealedMemfd.create(name: "fovea-result", size: pieces.joinedCount) { out in
                guard JPEGRowRestarts.join(bytes, pieces, height: height, firstBlockRows: firstBlockRows, into: out) else {
                    throw BandJoinError("the first band has no frame header")
                }
            }
        }
    }
}

struct BandJoinError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
