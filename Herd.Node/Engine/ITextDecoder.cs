namespace Herd.Node.Engine;

/// <summary>Turns a stream of token ids into text as it becomes complete (never half a character).</summary>
public interface ITextDecoder
{
    /// <summary>The text this token completes; empty while it is part of a character still to come.</summary>
    string Add(int tokenId);

    /// <summary>Whatever is left once the sequence ends.</summary>
    string Flush();
}
