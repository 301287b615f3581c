namespace Herd.Node.Tokenization;

/// <summary>
/// Where a SentencePiece tokenizer puts its word-boundary mark <c>▁</c> before text. Hugging Face
/// encodes the text between added tokens one stretch at a time, and the families differ on
/// whether a stretch after <c>&lt;s&gt;</c> gets the mark (Llama 2) or not (Mistral v0.3).
/// </summary>
internal enum SentencePiecePrefix
{
    /// <summary>Before every stretch of text between added tokens (Llama 2, "legacy" tokenizers).</summary>
    EverySegment,

    /// <summary>Only before text at the very start of the input.</summary>
    TextStart,

    /// <summary>Never.</summary>
    Never,
}
