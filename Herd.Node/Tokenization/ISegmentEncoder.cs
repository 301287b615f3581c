namespace Herd.Node.Tokenization;

/// <summary>Encodes a stretch of text that holds no added tokens; those are matched before.</summary>
internal interface ISegmentEncoder
{
    /// <param name="segment">Text between added tokens; never empty.</param>
    /// <param name="atTextStart">Whether the segment begins the whole input (SentencePiece marks differ).</param>
    /// <param name="ids">The list the ids are appended to.</param>
    void Encode(string segment, bool atTextStart, List<int> ids);
}
