/// A decode, encode or set-up failure, with one sentence a model (or a person) can act on.
///
/// `message` names the limit or argument, the value received and what is allowed, e.g.
/// `image is 225000×225000 (50625.0 MP), over the 150 MP pixel limit`. When libvips gave a
/// reason, `message` ends with it and `vipsDetail` holds it alone (trimmed, one line).
public struct CodecError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, for code that branches on it.
    public enum Code: String, Hashable, Sendable {
        /// The encoded input is larger than ``ImageLimits/maxEncodedBytes``.
        case tooManyBytes
        /// width × height is over ``ImageLimits/maxPixels``.
        case tooManyPixels
        /// A side is over ``ImageLimits/maxSide``.
        case sideTooLong
        /// The bytes are not one of the allowed formats (or are not an image at all).
        case unsupportedFormat
        /// The bytes claim an allowed format but are truncated or damaged.
        case corrupt
        /// libvips could not encode the pixels.
        case encodeFailed
        /// An argument was out of range (quality, a layout that does not match, …).
        case invalidArgument
        /// ``Codec/initialize(concurrency:vectorize:warningHandler:)`` has not been called, or failed.
        case notInitialized
    }

    /// What went wrong.
    public var code: Code
    /// One sentence naming the argument or limit, the value and what is allowed.
    public var message: String
    /// The libvips error text behind this error, if any.
    public var vipsDetail: String?

    /// An error with `code` and `message` (and libvips's text, when it gave one).
    public init(_ code: Code, _ message: String, vipsDetail: String? = nil) {
        self.code = code
        self.message = message
        self.vipsDetail = vipsDetail
    }

    /// The message.
    public var description: String { message }
}
