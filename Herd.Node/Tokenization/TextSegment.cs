namespace Herd.Node.Tokenization;

/// <summary>A stretch of input text: an added token (with its id) or plain text to encode.</summary>
internal readonly record struct TextSegment(int Offset, string Text, int? AddedTokenId);
