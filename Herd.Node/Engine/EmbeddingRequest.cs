namespace Herd.Node.Engine;

/// <summary>Tokenized texts to embed as one job; each is embedded on its own.</summary>
public sealed record EmbeddingRequest(string Id, IReadOnlyList<IReadOnlyList<int>> Texts)
{
    /// <summary>The most texts one job may carry; more are refused, so no job holds the engine for long.</summary>
    public const int MaxTexts = 2048;

    /// <summary>The tokens of all texts together: the job's prompt tokens.</summary>
    public int TotalTokens => Texts.Sum(text => text.Count);

    /// <exception cref="InvalidRequestException">There are no texts or too many.</exception>
    public static void RequireTextCount(int count)
    {
        if (count == 0)
        {
            throw new InvalidRequestException("There are no texts to embed: give at least one.");
        }

        if (count > MaxTexts)
        {
            throw new InvalidRequestException($"There are {count} texts to embed, and a job embeds at most {MaxTexts}. Split them over several requests.");
        }
    }

    /// <param name="contextLength">The most tokens one text may have.</param>
    /// <param name="vocabularySize">The model's vocabulary: the token ids a text may hold.</param>
    /// <exception cref="InvalidRequestException">There are no texts or too many, or a text is empty, too long or has ids outside the vocabulary; the message names the text.</exception>
    public EmbeddingRequest Validated(int contextLength, int vocabularySize)
    {
        RequireTextCount(Texts.Count);
        for (var i = 0; i < Texts.Count; i++)
        {
            var text = Texts[i];
            if (text.Count == 0)
            {
                throw new InvalidRequestException($"texts[{i}] is empty: each text to embed needs at least one token.");
            }

            if (text.Count > contextLength)
            {
                throw new InvalidRequestException(
                    $"texts[{i}] has {text.Count} tokens, and this model embeds at most {contextLength} tokens a text. Shorten it or split it into several texts.");
            }

            foreach (var id in text)
            {
                if (id < 0 || id >= vocabularySize)
                {
                    throw new InvalidRequestException($"texts[{i}] has token id {id}, outside the vocabulary (0 to {vocabularySize - 1}).");
                }
            }
        }

        return this;
    }
}
